import type { AppendResult, ExpectedRevision, NewEvent } from './event-store.port';

/**
 * Who claims which Idempotency-Key for which request, as one run (see apps/api/src/idempotency/idempotency-store.ts):
 * `token` is new for every run and recorded with its claim, so the run completes or gives back only its own claim,
 * never one that another run has taken over since.
 */
export interface IdempotencyClaimRequest {
  service: string;
  actor: string;
  key: string;
  fingerprint: string;
  staleAfterMs: number;
  token: string;
}

export type IdempotencyClaimOutcome =
  | { outcome: 'claimed' }
  | { outcome: 'replay'; response: { statusCode: number; body: unknown; headers: Record<string, string> } }
  | { outcome: 'fingerprint_mismatch' }
  | { outcome: 'in_flight' };

/**
 * Facts a command was decided on without reading them: each stream exists and its last event is none of `endedBy`
 * ("this user is active": the user's stream exists and does not end in UserErased). Checked in the append's own
 * transaction, so the decision and its facts are one consistent read.
 */
export interface AssumedFacts {
  streams: readonly string[];
  endedBy: readonly string[];
}

/** A fact the command assumed no longer holds: nothing was appended or claimed; decide again with the facts read. */
export class AssumedFactError extends Error {
  readonly code = 'assumed_fact_failed';
  constructor(readonly streamName: string) {
    super(`a fact assumed about stream ${streamName} does not hold`);
    this.name = 'AssumedFactError';
  }
}

/**
 * An event store that claims the command's Idempotency-Key and appends in one round trip (PostgreSQL, where the
 * idempotency records live beside the events). When the claim is not `claimed`, nothing is appended and `result` is
 * undefined.
 */
export interface ClaimingAppender {
  appendClaimed(
    streamName: string,
    events: NewEvent[],
    options: { expectedRevision: ExpectedRevision; claim: IdempotencyClaimRequest; facts: AssumedFacts },
  ): Promise<{ claim: IdempotencyClaimOutcome; result: AppendResult | undefined }>;
}

export function isClaimingAppender(store: object): store is ClaimingAppender {
  return typeof (store as Partial<ClaimingAppender>).appendClaimed === 'function';
}

/** The key is held by another run, or was completed by one: nothing was appended; answer `claim` instead. */
export class ClaimNotGrantedError extends Error {
  readonly code = 'claim_not_granted';
  constructor(readonly claim: Exclude<IdempotencyClaimOutcome, { outcome: 'claimed' }>) {
    super(`the Idempotency-Key's claim gave ${claim.outcome}`);
    this.name = 'ClaimNotGrantedError';
  }
}
