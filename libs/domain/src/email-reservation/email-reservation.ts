import { DomainError } from '../shared/domain-error';

/**
 * Unique emails: one reservation stream per normalised address (`email-<keyed hash>`; the address itself never
 * appears in it). Registering or changing to an address first reserves it; concurrent reservations race on the
 * stream's revision, so exactly one wins.
 */
export type EmailReservationEvent =
  | { type: 'EmailReserved'; data: { userId: string; at: string } }
  | { type: 'EmailReleased'; data: { userId: string; reason: 'changed' | 'erased' | 'abandoned'; at: string } };

export type EmailReservationCommand =
  /**
   * `staleHolder`: the handler found that this user holds the reservation without using the address (a
   * registration or email change that died half-way, or an erased user) long enough ago that it is not in flight.
   * It is released only if that user still holds it, so a stale fact cannot release someone else.
   */
  | { type: 'ReserveEmail'; data: { userId: string; staleHolder?: string; now: string } }
  | { type: 'ReleaseEmail'; data: { userId: string; reason: 'changed' | 'erased'; now: string } };

export interface EmailReservationState {
  holder: string | undefined;
  reservedAt: string | undefined;
}

export const initialEmailReservationState = (): EmailReservationState => ({ holder: undefined, reservedAt: undefined });

export function evolveEmailReservation(state: EmailReservationState, event: EmailReservationEvent): EmailReservationState {
  return event.type === 'EmailReserved' ? { holder: event.data.userId, reservedAt: event.data.at } : { holder: undefined, reservedAt: undefined };
}

/** A reservation's state is two fields: folding event by event is linear already. */
export function foldEmailReservation(state: EmailReservationState, events: readonly EmailReservationEvent[]): EmailReservationState {
  return events.reduce(evolveEmailReservation, state);
}

export function decideEmailReservation(command: EmailReservationCommand, state: EmailReservationState): EmailReservationEvent[] {
  const { userId, now } = command.data;
  if (command.type === 'ReleaseEmail') {
    return state.holder === userId ? [{ type: 'EmailReleased', data: { userId, reason: command.data.reason, at: now } }] : [];
  }
  if (state.holder === userId) return [];
  if (state.holder === undefined) return [{ type: 'EmailReserved', data: { userId, at: now } }];
  if (command.data.staleHolder === state.holder) {
    return [
      { type: 'EmailReleased', data: { userId: state.holder, reason: 'abandoned', at: now } },
      { type: 'EmailReserved', data: { userId, at: now } },
    ];
  }
  throw new DomainError('email_taken', 'This email address is already registered.');
}

export const emailReservationDecider = {
  decide: decideEmailReservation,
  evolve: evolveEmailReservation,
  fold: foldEmailReservation,
  initialState: initialEmailReservationState,
};
