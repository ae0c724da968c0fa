import { formatPosition } from '@accounts/event-store';
import type { Outcome } from '@accounts/aggregates';

/** What a decider handler (handleUser, handleOrganization) gives back to its route. */
export interface Handled<TState> {
  /** The aggregate's state after the command. */
  state: TState;
  /** Global position of the last event the command appended, formatted for `X-Event-Position`. */
  position: string | undefined;
  /** The command had already been applied by an earlier run with the same Idempotency-Key. */
  alreadyApplied: boolean;
  /** Whose personal data the response is about, so that erasing them deletes the stored response. */
  aboutUser: string | undefined;
}

export function handled<TState>(outcome: Outcome<TState, unknown>, aboutUser?: string): Handled<TState> {
  return { state: outcome.state, position: outcome.position && formatPosition(outcome.position), alreadyApplied: outcome.alreadyApplied, aboutUser };
}
