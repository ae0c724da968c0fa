import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { DomainError, parseEmail, userDecider } from '../../../../../../libs/domain/src';
import { formatPosition } from '../../../../../../libs/event-store/src';
import { RequiresScope } from '../../../auth/requires-scope.decorator';
import { AggregateStore } from '../../../commands/aggregate-store';
import { CommandEnvelope } from '../../../commands/command-context';
import { aboutPerson, withPosition } from '../../../commands/command-response';
import { Ctx, type RequestContext } from '../../../http/request-context';
import { type IdempotentRequest, IdempotencyInterceptor } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { EmailReservations } from '../../email-reservations';
import { UserLookup } from '../../user-lookup';
import { userStream } from '../../../../../../libs/streams/src';

export class ChangeEmailCommand {
  constructor(
    readonly userId: string,
    readonly email: string,
    readonly envelope: CommandEnvelope,
  ) {}
}

/** Reserve the new address, change it, release the old one (a crash in between leaves a stale reservation). */
@CommandHandler(ChangeEmailCommand)
export class ChangeEmailHandler implements ICommandHandler<ChangeEmailCommand> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly reservations: EmailReservations,
    private readonly users: UserLookup,
  ) {}

  async execute({ userId, email: rawEmail, envelope }: ChangeEmailCommand) {
    const email = parseEmail(rawEmail);
    const before = await this.users.state(userId);
    if (before.status !== 'active') throw new DomainError('user_not_found', 'No such user.');
    if (before.email === email) return { id: userId, email, position: undefined };
    await this.reservations.reserve(email, userId, envelope);
    const outcome = await this.aggregates.execute(
      userStream(userId),
      userDecider,
      { type: 'ChangeEmail', data: { userId, email, now: envelope.now } },
      envelope.forAggregates(userId),
    );
    await this.reservations.release(before.email, userId, 'changed', envelope);
    return { id: userId, email, position: outcome.position && formatPosition(outcome.position) };
  }
}

const ChangeEmailRequest = z.strictObject({ email: z.string().max(1024) });

@Controller('v1/users')
export class ChangeEmailHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/email')
  @HttpCode(200)
  @RequiresScope('commands')
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: "Change a user's email", body: ChangeEmailRequest, errors: ['email_taken', 'user_not_found'] })
  async changeEmail(
    @Param('id', new ParseUUIDPipe()) userId: string,
    @Body({ schema: ChangeEmailRequest }) body: z.infer<typeof ChangeEmailRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    aboutPerson(request, userId);
    const result = await this.commands.execute<ChangeEmailCommand, { id: string; email: string; position?: string }>(
      new ChangeEmailCommand(userId, body.email, CommandEnvelope.from(context, request)),
    );
    withPosition(reply, result.position);
    return { id: result.id, email: result.email };
  }
}
