import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { requireMayActFor } from '@accounts/domain';
import { OBJECT_KEY_PATTERN } from '@accounts/object-storage';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { Envelope, respond } from '../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { ActingUser } from '../../users/acting-user';
import { UserHandler } from '../../users/user-handler';
import { ConfirmUpload } from '../confirm-upload';

export const ConfirmUploadRequest = z.strictObject({ objectKey: z.string().regex(OBJECT_KEY_PATTERN) });

/** `POST /v1/users/{id}/avatar`: the uploaded image becomes the user's avatar (event `UserAvatarChanged`). */
export const SetAvatarRoute = defineRoute({
  id: 'setAvatar',
  summary: "Make an uploaded image the user's avatar",
  method: 'POST',
  path: '/v1/users/:id/avatar',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  body: ConfirmUploadRequest,
  responses: { 200: z.object({ avatarUrl: z.string() }) },
  errors: ['upload_missing', 'upload_not_yours', 'upload_mismatch', 'user_not_found', 'forbidden'],
});

@Controller()
export class SetAvatarHttpController {
  constructor(
    private readonly uploads: ConfirmUpload,
    private readonly acting: ActingUser,
    private readonly users: UserHandler,
  ) {}

  @Route(SetAvatarRoute)
  async setAvatar(@Input() { params: { id: userId }, body }: RouteInput<typeof SetAvatarRoute>, @Envelope() envelope: CommandEnvelope) {
    // Asked before the upload is confirmed, so nobody else uses up the user's upload; the decider asks again.
    requireMayActFor(userId, await this.acting.of(envelope));
    const avatarUrl = await this.uploads.confirm(body.objectKey, 'user_avatar', userId);
    const outcome = await this.users.handle(userId, { type: 'SetAvatar', data: { userId, avatarUrl, objectKey: body.objectKey, now: envelope.now } }, envelope);
    return respond({ avatarUrl }, outcome);
  }
}
