import { Injectable } from '@nestjs/common';
import type { Actor } from '@accounts/domain';
import type { CommandEnvelope } from '../commands/command-envelope';
import { UserLookup } from './user-lookup';

/** The facts about the actor that every decider is given: who they are, whether they are an active user, the key's scope. */
@Injectable()
export class ActingUser {
  constructor(private readonly users: UserLookup) {}

  async of(envelope: CommandEnvelope): Promise<Actor> {
    const userId = envelope.actorId;
    return { userId, isActive: userId !== undefined && (await this.users.isActive(userId, envelope)), mayManageUsers: envelope.mayManageUsers };
  }
}
