import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { Envelope, respond } from '../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { OrganizationHandler } from '../../organizations/organization-handler';
import { ConfirmUpload } from '../confirm-upload';
import { ConfirmUploadRequest } from '../set-avatar/set-avatar.http';

/** `POST /v1/organizations/{id}/logo`: the uploaded image becomes the logo; admins and owners only (the decider). */
export const SetLogoRoute = defineRoute({
  id: 'setLogo',
  summary: "Make an uploaded image the organization's logo",
  method: 'POST',
  path: '/v1/organizations/:id/logo',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  body: ConfirmUploadRequest,
  responses: { 200: z.object({ logoUrl: z.string() }) },
  errors: ['upload_missing', 'upload_not_yours', 'upload_mismatch', 'organization_not_found', 'forbidden'],
});

@Controller()
export class SetLogoHttpController {
  constructor(
    private readonly uploads: ConfirmUpload,
    private readonly organizations: OrganizationHandler,
  ) {}

  @Route(SetLogoRoute)
  async setLogo(@Input() { params: { id: organizationId }, body }: RouteInput<typeof SetLogoRoute>, @Envelope() envelope: CommandEnvelope) {
    envelope.requireActor();
    const logoUrl = await this.uploads.confirm(body.objectKey, 'organization_logo', organizationId);
    const outcome = await this.organizations.handle(organizationId, { type: 'SetLogo', data: { logoUrl, objectKey: body.objectKey, now: envelope.now } }, envelope);
    return respond({ logoUrl }, outcome);
  }
}
