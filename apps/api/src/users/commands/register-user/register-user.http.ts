import { Body, Controller, Post } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { Documented } from '../../../openapi/documented.decorator';
import { RegisterUser } from './register-user';

// Shape only; the domain checks the rules (address syntax, password length) and names the field that broke one.
const RegisterUserRequest = z.strictObject({ email: z.string().max(1024), password: z.string().max(1024) });
const RegisterUserResponse = z.object({ id: z.uuid(), email: z.string(), createdAt: z.iso.datetime() });

/** `POST /v1/users`: registration acts for nobody, so X-Actor-Id plays no part. */
@Controller('v1/users')
export class RegisterUserHttpController {
  constructor(private readonly registration: RegisterUser) {}

  @CommandRoute(Post(), 201)
  @Documented({ summary: 'Register a user', body: RegisterUserRequest, response: RegisterUserResponse, errors: ['email_taken'] })
  async register(@Body({ schema: RegisterUserRequest }) body: z.infer<typeof RegisterUserRequest>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.registration.run(body.email, body.password, envelope);
    if (outcome.state.status !== 'active') throw new Error('registration did not produce an active user');
    const { userId, email, registeredAt } = outcome.state;
    return respond({ id: userId, email, createdAt: registeredAt }, outcome);
  }
}
