import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { RegisterUser } from './register-user';

// Shape only; the domain checks the rules (address syntax, password length) and names the field that broke one.
const RegisterUserRequest = z.strictObject({ email: z.string().max(1024), password: z.string().max(1024) });
const RegisterUserResponse = z.object({ id: z.uuid(), email: z.string(), createdAt: z.iso.datetime() });

/** `POST /v1/users`: registration acts for nobody, so X-Actor-Id plays no part. */
export const RegisterUserRoute = defineRoute({
  id: 'registerUser',
  summary: 'Register a user',
  method: 'POST',
  path: '/v1/users',
  scope: 'commands',
  command: true,
  body: RegisterUserRequest,
  responses: { 201: RegisterUserResponse },
  errors: ['email_taken', 'password_too_common'],
});

@Controller()
export class RegisterUserHttpController {
  constructor(private readonly registration: RegisterUser) {}

  @Route(RegisterUserRoute)
  async register(@Input() { body }: RouteInput<typeof RegisterUserRoute>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.registration.run(body.email, body.password, envelope);
    if (outcome.state.status !== 'active') throw new Error('registration did not produce an active user');
    const { userId, email, registeredAt } = outcome.state;
    return respond({ id: userId, email, createdAt: registeredAt }, outcome);
  }
}
