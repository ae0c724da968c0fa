import type { AssumedFacts, IdempotencyClaimOutcome, IdempotencyClaimRequest } from '@accounts/event-store';
import type { PendingClaim } from '@accounts/aggregates';

/** One run of a `ClaimWithAppend` command: its key still to be claimed, and the facts it assumed (see PendingClaim). */
export class DeferredClaim implements PendingClaim {
  outcome: IdempotencyClaimOutcome | undefined;
  private readonly streams: string[] = [];
  private readonly endedBy = new Set<string>();

  constructor(
    readonly request: IdempotencyClaimRequest,
    readonly assumesFacts: boolean,
  ) {}

  get facts(): AssumedFacts {
    return { streams: this.streams, endedBy: [...this.endedBy] };
  }

  assume(streamName: string, endedBy: readonly string[]): void {
    if (!this.streams.includes(streamName)) this.streams.push(streamName);
    for (const type of endedBy) this.endedBy.add(type);
  }
}
