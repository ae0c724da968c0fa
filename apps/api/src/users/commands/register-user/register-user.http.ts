import { Body, Controller, HttpCode, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { RequiresScope } from '../../../auth/requires-scope.decorator';
import { CommandEnvelope } from '../../../commands/command-context';
import { aboutPerson, withPosition } from '../../../commands/command-response';
import { Ctx, type RequestContext } from '../../../http/request-context';
import { type IdempotentRequest, IdempotencyInterceptor } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { RegisterUserCommand, type RegisteredUser } from './register-user.handler';

// Shape only; the domain checks the rules (address syntax, password length) and names the field that broke one.
const RegisterUserRequest = z.strictObject({ email: z.string().max(1024), password: z.string().max(1024) });
const RegisterUserResponse = z.object({ id: z.uuid(), email: z.string(), createdAt: z.iso.datetime() });

@Controller('v1/users')
export class RegisterUserHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @RequiresScope('commands')
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: 'Register a user', body: RegisterUserRequest, response: RegisterUserResponse, errors: ['email_taken'] })
  async register(
    @Body({ schema: RegisterUserRequest }) body: z.infer<typeof RegisterUserRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const user = await this.commands.execute<RegisterUserCommand, RegisteredUser>(
      new RegisterUserCommand(body.email, body.password, CommandEnvelope.from(context, request)),
    );
    aboutPerson(request, user.id);
    withPosition(reply, user.position);
    return { id: user.id, email: user.email, createdAt: user.createdAt };
  }
}
