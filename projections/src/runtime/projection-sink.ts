import type { PoolClient } from 'pg';
import type { EventFilter, Position } from '@accounts/event-store';
import type { ProjectedEvent } from './projected-event';

/**
 * Where a projection's effects go, together with its checkpoint. `applyBatch` must store the effect of the events and
 * the checkpoint atomically (one PostgreSQL transaction, one Redis MULTI/EXEC, …), and must not throw because of one
 * bad event: it parks that event as a dead letter and goes on. It throws only when the sink itself is unavailable,
 * and then nothing of the batch was stored.
 */
export interface ProjectionSink {
  readonly name: string;
  readonly filter?: EventFilter;
  /** Creates whatever the sink needs (tables, index) if missing. */
  prepare(): Promise<void>;
  readCheckpoint(): Promise<Position | undefined>;
  applyBatch(events: ProjectedEvent[], checkpoint: Position): Promise<{ deadLettered: number }>;
  /**
   * Makes this version the one queries read: the swap at the end of a blue/green rebuild. Runs inside the registry's
   * transaction (`registry`), so a sink in PostgreSQL swaps atomically with the bookkeeping; other sinks swap their
   * own pointer (a Redis key, an OpenSearch alias) atomically in their store.
   */
  activate(registry: PoolClient): Promise<void>;
  /**
   * Readies a version that has caught up for its swap, outside the swap's transaction and before the live version
   * stops: what queries need but a build goes without (a PostgreSQL sink's query indexes).
   */
  beforeActivate?(): Promise<void>;
  /** Removes everything this version stored: after it was replaced, never while it is live. */
  drop(): Promise<void>;
  /**
   * For a store that can lose its data behind our back (Redis without persistence): called for the live version
   * between batches. It restores what marks the version live, and says whether the version's data is gone; the
   * supervisor then restarts it, and `readCheckpoint` rebuilds it from the first event.
   */
  ensureLive?(): Promise<{ lost: boolean }>;
  /**
   * For a sink whose batch can take long (webhook deliveries wait between retries): stop waiting, fail the batch.
   * Called when the runner stops, so a stop is not held up; the batch is read again from the stored checkpoint.
   */
  interrupt?(): void;
}
