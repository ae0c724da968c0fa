import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { CommandEnvelope } from '../../commands/command-context';
import { withPosition } from '../../commands/command-response';
import { Ctx, type RequestContext } from '../../http/request-context';
import { type IdempotentRequest, IdempotencyInterceptor } from '../../idempotency/idempotency.interceptor';
import { Documented } from '../../openapi/documented.decorator';
import { ExecuteOrganizationCommand, type OrganizationOutcome } from '../../organizations/organization-commands';
import { ConfirmUpload } from '../confirm-upload';
import { ConfirmUploadRequest } from '../set-avatar/set-avatar.http';

/** `POST /v1/organizations/{id}/logo`: the uploaded image becomes the logo; admins and owners only (the decider). */
@Controller('v1/organizations')
export class SetLogoHttpController {
  constructor(
    private readonly uploads: ConfirmUpload,
    private readonly commands: CommandBus,
  ) {}

  @Post(':id/logo')
  @HttpCode(200)
  @RequiresScope('commands')
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: "Make an uploaded image the organization's logo", body: ConfirmUploadRequest, errors: ['upload_missing', 'upload_not_yours', 'upload_mismatch', 'organization_not_found', 'forbidden'] })
  async setLogo(
    @Param('id', new ParseUUIDPipe()) rawId: string,
    @Body({ schema: ConfirmUploadRequest }) body: z.infer<typeof ConfirmUploadRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const organizationId = rawId.toLowerCase();
    const envelope = CommandEnvelope.from(context, request);
    const actorId = envelope.requireActor();
    const logoUrl = await this.uploads.confirm(body.objectKey, 'organization_logo', organizationId);
    const outcome = await this.commands.execute<ExecuteOrganizationCommand, OrganizationOutcome>(
      new ExecuteOrganizationCommand(organizationId, { type: 'SetLogo', data: { logoUrl, objectKey: body.objectKey, actorId, now: envelope.now } }, envelope),
    );
    withPosition(reply, outcome.position);
    return { logoUrl };
  }
}
