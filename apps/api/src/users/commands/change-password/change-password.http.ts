import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { PathId } from '../../../http/ids';
import { ChangePassword } from './change-password';

const ChangePasswordRequest = z.strictObject({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) });

/** `POST /v1/users/{id}/password`: ends every session of the user; the user themself, or a key with `users:manage`. */
export const ChangePasswordRoute = defineRoute({
  id: 'changePassword',
  summary: "Change a user's password (ends all their sessions)",
  method: 'POST',
  path: '/v1/users/:id/password',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  body: ChangePasswordRequest,
  responses: { 204: null },
  errors: ['invalid_credentials', 'forbidden', 'user_not_found', 'password_too_common'],
});

@Controller()
export class ChangePasswordHttpController {
  constructor(private readonly changePassword: ChangePassword) {}

  @Route(ChangePasswordRoute)
  async change(@Input() { params, body }: RouteInput<typeof ChangePasswordRoute>, @Envelope() envelope: CommandEnvelope) {
    return respond(undefined, await this.changePassword.run(params.id, body.currentPassword, body.newPassword, envelope));
  }
}
