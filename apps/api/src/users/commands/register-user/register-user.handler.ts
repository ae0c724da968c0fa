import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { checkPasswordPolicy, parseEmail, userDecider } from '../../../../../../libs/domain/src';
import { formatPosition } from '../../../../../../libs/event-store/src';
import { PasswordHasher } from '../../../../../../libs/privacy/src';
import { AggregateStore } from '../../../commands/aggregate-store';
import type { CommandEnvelope } from '../../../commands/command-context';
import { EmailReservations } from '../../email-reservations';
import { userStream } from '../../../../../../libs/streams/src';
import { commonPasswords } from '../../../../../../libs/common-passwords/src';

export class RegisterUserCommand {
  constructor(
    readonly email: string,
    readonly password: string,
    readonly envelope: CommandEnvelope,
  ) {}
}

export interface RegisteredUser {
  id: string;
  email: string;
  createdAt: string;
  position: string | undefined;
}

/** Reserve the address, then register: a crash in between leaves a reservation that goes stale, never a duplicate. */
@CommandHandler(RegisterUserCommand)
export class RegisterUserHandler implements ICommandHandler<RegisterUserCommand, RegisteredUser> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly reservations: EmailReservations,
    private readonly passwords: PasswordHasher,
  ) {}

  async execute({ email: rawEmail, password, envelope }: RegisterUserCommand): Promise<RegisteredUser> {
    const email = parseEmail(rawEmail);
    checkPasswordPolicy(password, email, commonPasswords); // before hashing: hashing is slow on purpose
    const userId = envelope.newId('user');
    const passwordHash = await this.passwords.hash(password);
    await this.reservations.reserve(email, userId, envelope);
    const outcome = await this.aggregates.execute(
      userStream(userId),
      userDecider,
      { type: 'RegisterUser', data: { userId, email, passwordHash, now: envelope.now } },
      envelope.forAggregates(userId),
    );
    if (outcome.state.status !== 'active') throw new Error('registration did not produce an active user');
    return { id: userId, email: outcome.state.email, createdAt: outcome.state.registeredAt, position: outcome.position && formatPosition(outcome.position) };
  }
}
