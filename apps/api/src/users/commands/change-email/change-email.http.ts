import { Body, Controller, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { IdPipe } from '../../../http/ids';
import { Documented } from '../../../openapi/documented.decorator';
import { ChangeEmail } from './change-email';

const ChangeEmailRequest = z.strictObject({ email: z.string().max(1024) });

/** `POST /v1/users/{id}/email`: the user themself, or a key with `users:manage`. */
@Controller('v1/users')
export class ChangeEmailHttpController {
  constructor(private readonly changeEmail: ChangeEmail) {}

  @CommandRoute(Post(':id/email'), 200)
  @Documented({ summary: "Change a user's email", body: ChangeEmailRequest, errors: ['email_taken', 'user_not_found', 'forbidden'] })
  async change(@Param('id', IdPipe) userId: string, @Body({ schema: ChangeEmailRequest }) body: z.infer<typeof ChangeEmailRequest>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.changeEmail.run(userId, body.email, envelope);
    if (outcome.state.status !== 'active') throw new Error('an email change left no active user');
    return respond({ id: userId, email: outcome.state.email }, outcome);
  }
}
