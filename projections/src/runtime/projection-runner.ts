import { comparePositions, type EventStore, type Position, type RecordedEvent, type Subscription } from '@accounts/event-store';
import type { ProjectedEvent } from './projected-event';
import type { ProjectionSink } from './projection-sink';

export interface EventDecoder {
  /**
   * Upcasts, opens personal fields and checks shapes. An event that cannot be decoded comes back in its place as
   * undecodable, which the sink records in its dead letters like any other event it cannot apply.
   */
  decode(events: RecordedEvent[]): Promise<ProjectedEvent[]>;
}

export type ProjectionState = 'starting' | 'catching_up' | 'live' | 'retrying' | 'stopped' | 'standby' | 'paused';

export interface ProjectionStatus {
  name: string;
  state: ProjectionState;
  checkpoint: Position | undefined;
  eventsProcessed: number;
  deadLettered: number;
  lastBatchAt: Date | undefined;
}

export interface ProjectionRunnerOptions {
  maxBatchSize?: number;
  /** Delay before resubscribing after the sink failed (the batch was not stored, so it is delivered again). */
  retryDelayMs?: number;
  onError?(error: unknown): void;
  /** Called after each stored batch (the supervisor mirrors external checkpoints for operators). */
  onBatch?(checkpoint: Position, events: number): void;
}

/**
 * Runs one projection: subscribes to $all from the sink's checkpoint, decodes each batch and hands it to the sink,
 * which stores effect and checkpoint together. If the sink fails (its database is down), the subscription is
 * restarted from the stored checkpoint after a pause, so nothing is lost and nothing applied twice.
 *
 * Two batches are in hand at once: while the sink stores one, the next is read and decoded (opening sealed fields is
 * Node's work, storing is the database's, and each used to wait for the other). A batch is stored only after the
 * one before it was, so the stored checkpoint still moves one batch at a time, and a batch whose store failed is
 * read again from the stored checkpoint.
 */
export class ProjectionRunner {
  private subscription: Subscription | undefined;
  /** The batch the sink is storing now, if any (see the class comment). */
  private storing: Promise<void> | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(status: ProjectionStatus) => void>();
  private status: ProjectionStatus;

  constructor(
    private readonly eventStore: EventStore,
    private readonly decoder: EventDecoder,
    private readonly sink: ProjectionSink,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.status = { name: sink.name, state: 'starting', checkpoint: undefined, eventsProcessed: 0, deadLettered: 0, lastBatchAt: undefined };
  }

  /** Resolves once the projection has caught up with $all as it was when it (re)started. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.sink.prepare();
    await this.subscribe();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.sink.interrupt?.();
    await this.subscription?.stop();
    await this.settled(); // so the checkpoint a caller reads next (a swap's target) is the last one stored
    this.update({ state: 'stopped' });
  }

  current(): ProjectionStatus {
    return { ...this.status };
  }

  /** Resolves when the projection has processed `position` (read-your-writes). */
  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    if (this.reached(position)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => (this.listeners.delete(listener), resolve(false)), timeoutMs);
      const listener = () => {
        if (!this.reached(position)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(true);
      };
      this.listeners.add(listener);
    });
  }

  private reached(position: Position): boolean {
    const checkpoint = this.status.checkpoint;
    return !!checkpoint && comparePositions(checkpoint, position) >= 0;
  }

  private async subscribe(): Promise<void> {
    await this.settled(); // a batch still being stored by the previous subscription moves the checkpoint read next
    const from = await this.sink.readCheckpoint();
    this.update({ state: 'catching_up', checkpoint: from });
    const subscription = this.eventStore.subscribeToAll({
      from,
      filter: this.sink.filter,
      maxBatchSize: this.options.maxBatchSize ?? 500,
      handle: async (batch) => {
        const events = await this.decoder.decode(batch.events);
        await this.storing; // the batch before this one is stored first; if that failed, this throws and we retry
        if (this.stopped) throw new RunnerStoppedError(); // stopped meanwhile: leave the batch to the next owner
        const storing = this.store(events, batch.checkpoint);
        this.storing = storing;
        // Nothing may come to await it (no further batch): a failure must still restart the subscription.
        storing.catch((error: unknown) => {
          if (this.storing !== storing) return;
          void this.subscription?.stop();
          this.scheduleRetry(error);
        });
      },
      onCaughtUp: () => this.update({ state: 'live' }),
      onError: (error) => this.scheduleRetry(error),
    });
    this.subscription = subscription;
    await subscription.caughtUp.catch(() => undefined);
    await this.storing?.catch(() => undefined); // caught up means stored, as start() promises
  }

  private async store(events: ProjectedEvent[], checkpoint: Position): Promise<void> {
    const { deadLettered } = await this.sink.applyBatch(events, checkpoint);
    this.update({
      checkpoint,
      eventsProcessed: this.status.eventsProcessed + events.length,
      deadLettered: this.status.deadLettered + deadLettered,
      lastBatchAt: new Date(),
    });
    this.options.onBatch?.(checkpoint, events.length);
  }

  /** Waits until no batch is being stored, success or failure; only once no new batch can come (stopped, failed). */
  private async settled(): Promise<void> {
    while (this.storing) {
      const storing = this.storing;
      await storing.catch(() => undefined);
      if (this.storing === storing) this.storing = undefined;
    }
  }

  private scheduleRetry(error: unknown): void {
    if (this.stopped) return; // a batch cut short by stop() is no failure
    if (this.retryTimer) return; // one failure, reported twice: by the failed store and by the batch that waited on it
    this.options.onError?.(error);
    this.update({ state: 'retrying' });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) void this.subscribe().catch((retryError: unknown) => this.scheduleRetry(retryError));
    }, this.options.retryDelayMs ?? 1_000);
  }

  private update(change: Partial<ProjectionStatus>): void {
    this.status = { ...this.status, ...change };
    for (const listener of this.listeners) listener(this.status);
  }
}

/** Thrown inside a batch that arrived after stop(): nothing of it is stored. */
class RunnerStoppedError extends Error {
  constructor() {
    super('projection runner stopped');
    this.name = 'RunnerStoppedError';
  }
}
