import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { checkPasswordPolicy, DomainError, userDecider } from '../../../../../../libs/domain/src';
import { formatPosition } from '../../../../../../libs/event-store/src';
import { PasswordHasher } from '../../../../../../libs/privacy/src';
import { RequiresScope } from '../../../auth/requires-scope.decorator';
import { AggregateStore } from '../../../commands/aggregate-store';
import { CommandEnvelope } from '../../../commands/command-context';
import { withPosition } from '../../../commands/command-response';
import { Ctx, type RequestContext } from '../../../http/request-context';
import { type IdempotentRequest, IdempotencyInterceptor } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { UserLookup } from '../../user-lookup';
import { userStream } from '../../../../../../libs/streams/src';
import { commonPasswords } from '../../../../../../libs/common-passwords/src';

export class ChangePasswordCommand {
  constructor(
    readonly userId: string,
    readonly currentPassword: string,
    readonly newPassword: string,
    readonly envelope: CommandEnvelope,
  ) {}
}

/** Verifies the current password, hashes the new one; the event ends every session of the user. */
@CommandHandler(ChangePasswordCommand)
export class ChangePasswordHandler implements ICommandHandler<ChangePasswordCommand> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly users: UserLookup,
    private readonly passwords: PasswordHasher,
  ) {}

  async execute({ userId, currentPassword, newPassword, envelope }: ChangePasswordCommand): Promise<string | undefined> {
    const user = await this.users.state(userId);
    // An unknown user gets the same answer as a wrong password: the route must not reveal which ids exist.
    const verified = user.status === 'active' ? await this.passwords.verify(user.passwordHash, currentPassword) : await this.passwords.verifyAgainstDummy(currentPassword);
    if (user.status !== 'active' || !verified) throw new DomainError('invalid_credentials', 'The current password is wrong.');
    checkPasswordPolicy(newPassword, user.email, commonPasswords, 'newPassword');
    const passwordHash = await this.passwords.hash(newPassword);
    const outcome = await this.aggregates.execute(
      userStream(userId),
      userDecider,
      { type: 'ChangePassword', data: { userId, passwordHash, currentPasswordVerified: verified, now: envelope.now } },
      envelope.forAggregates(userId),
    );
    return outcome.position && formatPosition(outcome.position);
  }
}

const ChangePasswordRequest = z.strictObject({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) });

@Controller('v1/users')
export class ChangePasswordHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/password')
  @HttpCode(204)
  @RequiresScope('commands')
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: "Change a user's password (ends all their sessions)", body: ChangePasswordRequest, errors: ['invalid_credentials'] })
  async changePassword(
    @Param('id', new ParseUUIDPipe()) userId: string,
    @Body({ schema: ChangePasswordRequest }) body: z.infer<typeof ChangePasswordRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const position = await this.commands.execute<ChangePasswordCommand, string | undefined>(
      new ChangePasswordCommand(userId, body.currentPassword, body.newPassword, CommandEnvelope.from(context, request)),
    );
    withPosition(reply, position);
  }
}
