import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { PathId } from '../../../http/ids';
import { ChangeEmail } from './change-email';

const ChangeEmailRequest = z.strictObject({ email: z.string().max(1024) });
const ChangeEmailResponse = z.object({ id: z.uuid(), email: z.string() });

/** `POST /v1/users/{id}/email`: the user themself, or a key with `users:manage`. */
export const ChangeEmailRoute = defineRoute({
  id: 'changeEmail',
  summary: "Change a user's email",
  method: 'POST',
  path: '/v1/users/:id/email',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  body: ChangeEmailRequest,
  responses: { 200: ChangeEmailResponse },
  errors: ['email_taken', 'user_not_found', 'forbidden'],
});

@Controller()
export class ChangeEmailHttpController {
  constructor(private readonly changeEmail: ChangeEmail) {}

  @Route(ChangeEmailRoute)
  async change(@Input() { params, body }: RouteInput<typeof ChangeEmailRoute>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.changeEmail.run(params.id, body.email, envelope);
    if (outcome.state.status !== 'active') throw new Error('an email change left no active user');
    return respond({ id: params.id, email: outcome.state.email }, outcome);
  }
}
