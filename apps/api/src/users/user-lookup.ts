import { Injectable } from '@nestjs/common';
import { userDecider, type UserState } from '../../../../libs/domain/src';
import { AggregateStore } from '../commands/aggregate-store';
import { userStream } from './user-streams';

/** Facts about users that other commands need ("this user exists"), read from the user's own stream. */
@Injectable()
export class UserLookup {
  constructor(private readonly aggregates: AggregateStore) {}

  async state(userId: string): Promise<UserState> {
    return (await this.aggregates.load(userStream(userId), userDecider)).state;
  }

  async isActive(userId: string): Promise<boolean> {
    return (await this.state(userId)).status === 'active';
  }
}
