import { Body, Controller, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { IdPipe } from '../../../http/ids';
import { Documented } from '../../../openapi/documented.decorator';
import { ChangePassword } from './change-password';

const ChangePasswordRequest = z.strictObject({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) });

/** `POST /v1/users/{id}/password`: ends every session of the user; the user themself, or a key with `users:manage`. */
@Controller('v1/users')
export class ChangePasswordHttpController {
  constructor(private readonly changePassword: ChangePassword) {}

  @CommandRoute(Post(':id/password'), 204)
  @Documented({ summary: "Change a user's password (ends all their sessions)", body: ChangePasswordRequest, errors: ['invalid_credentials', 'forbidden', 'user_not_found'] })
  async change(@Param('id', IdPipe) userId: string, @Body({ schema: ChangePasswordRequest }) body: z.infer<typeof ChangePasswordRequest>, @Envelope() envelope: CommandEnvelope) {
    return respond(undefined, await this.changePassword.run(userId, body.currentPassword, body.newPassword, envelope));
  }
}
