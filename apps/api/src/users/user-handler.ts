import { Injectable } from '@nestjs/common';
import { type UserCommand, userDecider, type UserState, type WithoutActor } from '@accounts/domain';
import { userStream } from '@accounts/streams';
import { AggregateStore } from '@accounts/aggregates';
import type { CommandEnvelope } from '../commands/command-envelope';
import { type Handled, handled } from '../commands/handled';
import { ActingUser } from './acting-user';

const ACTORLESS = new Set<UserCommand['type']>(['RegisterUser', 'LogIn', 'VerifyEmail', 'RequestPasswordReset', 'ResetPassword']);

/**
 * Every command on a user's stream: gather the actor's facts, then load, decide and append with the expected revision
 * (the aggregate store; a conflict decides again on fresh state). The rules, who may act included, are the decider's.
 */
@Injectable()
export class UserHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly acting: ActingUser,
  ) {}

  async handle(userId: string, command: WithoutActor<UserCommand>, envelope: CommandEnvelope): Promise<Handled<UserState>> {
    const decided = await this.withActor(command, envelope);
    const outcome = await this.aggregates.execute(userStream(userId), userDecider, decided, envelope.forAggregates(userId));
    return handled(outcome, userId);
  }

  /**
   * Registration and login act for nobody, and the mailed-token commands are authorised by the token; every other
   * command carries the actor's facts.
   */
  private async withActor(command: WithoutActor<UserCommand>, envelope: CommandEnvelope): Promise<UserCommand> {
    if (ACTORLESS.has(command.type)) return command as UserCommand;
    return { ...command, actor: await this.acting.of(envelope) } as UserCommand;
  }
}
