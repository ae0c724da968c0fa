import { Body, Controller, Param, Post } from '@nestjs/common';
import type { z } from 'zod';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../commands/command-route';
import { IdPipe } from '../../http/ids';
import { Documented } from '../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organizations/organization-handler';
import { ConfirmUpload } from '../confirm-upload';
import { ConfirmUploadRequest } from '../set-avatar/set-avatar.http';

/** `POST /v1/organizations/{id}/logo`: the uploaded image becomes the logo; admins and owners only (the decider). */
@Controller('v1/organizations')
export class SetLogoHttpController {
  constructor(
    private readonly uploads: ConfirmUpload,
    private readonly organizations: OrganizationHandler,
  ) {}

  @CommandRoute(Post(':id/logo'), 200)
  @Documented({ summary: "Make an uploaded image the organization's logo", body: ConfirmUploadRequest, errors: ['upload_missing', 'upload_not_yours', 'upload_mismatch', 'organization_not_found', 'forbidden'] })
  async setLogo(@Param('id', IdPipe) organizationId: string, @Body({ schema: ConfirmUploadRequest }) body: z.infer<typeof ConfirmUploadRequest>, @Envelope() envelope: CommandEnvelope) {
    envelope.requireActor();
    const logoUrl = await this.uploads.confirm(body.objectKey, 'organization_logo', organizationId);
    const outcome = await this.organizations.handle(organizationId, { type: 'SetLogo', data: { logoUrl, objectKey: body.objectKey, now: envelope.now } }, envelope);
    return respond({ logoUrl }, outcome);
  }
}
