import { type EventStore, type Position, type RecordedEvent, StreamDeletedError } from '@accounts/event-store';
import type { ProjectedEvent } from './projected-event';
import type { LeaseConnection } from './projection-lease';
import type { ProjectionRegistry, RetryRequest } from './projection-registry';
import { type EventDecoder, ProjectionRunner, type ProjectionRunnerOptions, type ProjectionStatus } from './projection-runner';
import type { ProjectionSink } from './projection-sink';

/** A projection as the supervisor runs it: a name, and the sink that stores a given version of it. */
export interface ProjectionDefinition {
  readonly name: string;
  sinkFor(version: number): ProjectionSink;
  /** The sink keeps its checkpoint outside projection_checkpoints (Redis, OpenSearch): mirror it there for operators. */
  readonly externalCheckpoint: boolean;
}

export interface SupervisorOptions {
  /** Who this process is, as operators see it (`host:pid`). */
  holder: string;
  /** How often the supervisor looks at its lease and at the registry. */
  tickMs?: number;
  /** Longest wait for the new version to reach the old one's checkpoint at the swap. */
  swapTimeoutMs?: number;
  runner?: Omit<ProjectionRunnerOptions, 'onBatch' | 'onError'>;
  onError?(projection: string, error: unknown): void;
  /** Rebuilds, swaps, takeovers, retries: what operators read in the logs. Never carries event data. */
  onEvent?(projection: string, event: string, details?: Record<string, unknown>): void;
}

/** How stale the operators' view of an external checkpoint may get. */
const MIRROR_DELAY_MS = 100;

interface RunningVersion {
  version: number;
  sink: ProjectionSink;
  runner: ProjectionRunner;
  started: Promise<void>;
}

/**
 * Runs one projection in at most one process at a time, and carries out what operators ask of it.
 *
 * Every tick it makes sure of its lease (a PostgreSQL advisory lock, see LeaseConnection), then reads the registry:
 * runs the live version; builds the version a rebuild asked for beside it, from the first event; and, once that one
 * has caught up, stops the live one, lets the new one reach the same checkpoint, swaps them atomically (views, a
 * Redis pointer or an alias) and drops the old. Queries read the live version throughout, so they never see a
 * half-built one. Pauses stop both runners; dead-letter retries run between batches of the live one.
 */
export class ProjectionSupervisor {
  private leader = false;
  private live: RunningVersion | undefined;
  private builder: RunningVersion | undefined;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = true;
  private readonly pendingMirror = new Map<number, { checkpoint: Position; events: number }>();
  private mirrorTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly definition: ProjectionDefinition,
    private readonly eventStore: EventStore,
    private readonly decoder: EventDecoder,
    private readonly registry: ProjectionRegistry,
    private readonly lease: LeaseConnection,
    private readonly options: SupervisorOptions,
  ) {}

  get name(): string {
    return this.definition.name;
  }

  /** Resolves after the first tick: caught up if this process got the lease, at once if another process holds it. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.schedule();
    await this.live?.started;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    await this.stopRunners();
    clearTimeout(this.mirrorTimer);
    this.mirrorTimer = undefined;
    await this.flushMirror();
    if (this.leader) {
      // Best effort: with PostgreSQL gone the heartbeat goes stale by itself, and the lock goes with the connection.
      await this.registry.forgetLease(this.name, this.options.holder).catch(() => undefined);
      await this.lease.release(this.name);
    }
    this.leader = false;
  }

  status(): ProjectionStatus & { leader: boolean; building?: ProjectionStatus & { version: number } } {
    const base: ProjectionStatus = this.live?.runner.current() ?? {
      name: this.name,
      state: this.leader && this.paused ? 'paused' : 'standby',
      checkpoint: undefined,
      eventsProcessed: 0,
      deadLettered: 0,
      lastBatchAt: undefined,
    };
    const building = this.builder && { ...this.builder.runner.current(), version: this.builder.version };
    return { ...base, leader: this.leader, ...(building ? { building } : {}) };
  }

  /** Runs one tick now (tests use it to avoid waiting for the timer). */
  tick(): Promise<void> {
    this.ticking ??= this.runTick()
      .catch((error: unknown) => this.options.onError?.(this.name, error))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), this.options.tickMs ?? 500);
  }

  private async runTick(): Promise<void> {
    if (this.stopped) return;
    if (!(await this.holdLease())) return;
    await this.flushMirror();
    const { live, building } = await this.registry.versions(this.name);
    if (!live) {
      await this.registry.ensure(this.name);
      return;
    }
    this.paused = live.paused;
    if (live.paused) {
      await this.stopRunners();
      return;
    }
    if (this.live?.version !== live.version) {
      await this.stopRunner(this.live);
      this.live = this.run(live.version);
    }
    if (building && this.builder?.version !== building.version) {
      await this.stopRunner(this.builder);
      this.builder = this.run(building.version);
      this.options.onEvent?.(this.name, 'rebuild started', { version: building.version, resumedFrom: building.eventsProcessed });
    } else if (!building && this.builder) {
      await this.stopRunner(this.builder); // the rebuild was withdrawn
      this.builder = undefined;
    }
    if (this.live && this.live.runner.current().state === 'live' && (await this.live.sink.ensureLive?.())?.lost) {
      // Its store came back empty (or was flushed): with no batch to fail, nothing else would notice.
      this.options.onEvent?.(this.name, 'store lost its data; rebuilding from the first event', { version: this.live.version });
      await this.stopRunner(this.live);
      this.live = this.run(live.version);
    }
    if (this.builder && this.builder.runner.current().state === 'live') await this.swap(live.version, this.builder);
    const retries = await this.registry.pendingRetries(this.name);
    if (retries.length > 0) await this.retryDeadLetters(retries);
  }

  /** True while this process holds the lease; acquires it when free. Losing it stops the runners at once. */
  private async holdLease(): Promise<boolean> {
    if (this.leader) {
      if (await this.lease.stillHeld(this.name)) {
        await this.registry.heartbeat(this.name, this.options.holder);
        return true;
      }
      this.leader = false;
      await this.stopRunners();
      this.options.onEvent?.(this.name, 'lease lost');
      return false;
    }
    if (!(await this.lease.tryAcquire(this.name))) return false;
    this.leader = true;
    await this.registry.recordLease(this.name, this.options.holder);
    await this.registry.ensure(this.name);
    this.options.onEvent?.(this.name, 'lease acquired', { holder: this.options.holder });
    return true;
  }

  private run(version: number): RunningVersion {
    const sink = this.definition.sinkFor(version);
    const runner = new ProjectionRunner(this.eventStore, this.decoder, sink, {
      ...this.options.runner,
      onError: (error) => this.options.onError?.(this.name, error),
      onBatch: (checkpoint, events) => this.noteBatch(version, checkpoint, events),
    });
    const started = runner.start().catch((error: unknown) => {
      // Could not even prepare (its store is down): forget it, so the next tick starts it again.
      this.options.onError?.(this.name, error);
      if (this.live?.runner === runner) this.live = undefined;
      if (this.builder?.runner === runner) this.builder = undefined;
    });
    return { version, sink, runner, started };
  }

  private async swap(liveVersion: number, next: RunningVersion): Promise<void> {
    const previous = this.live;
    if (!previous || previous.version !== liveVersion) return;
    // While the live version still serves: a PostgreSQL version builds its query indexes here (it keeps up meanwhile).
    await next.sink.beforeActivate?.();
    // Stop the live version first, so the checkpoint the new one must reach stands still.
    await this.stopRunner(previous);
    const target = previous.runner.current().checkpoint;
    if (target && !(await next.runner.waitFor(target, this.options.swapTimeoutMs ?? 30_000))) {
      this.live = undefined; // the next tick restarts it; the swap is tried again later
      return;
    }
    await this.flushMirror();
    await this.registry.swap(this.name, previous.version, next.version, (client) => next.sink.activate(client));
    this.live = next;
    this.builder = undefined;
    this.options.onEvent?.(this.name, 'rebuild swapped in', { from: previous.version, to: next.version });
    await previous.sink.drop().catch((error: unknown) => this.options.onError?.(this.name, error));
  }

  /**
   * Applies the live version's dead letters again, in their original order, with the live runner stopped so the two
   * never write at once. Events that fail again stay parked with their new reason. Every request pending now is
   * answered by this one retry (each asked for the dead letters to be applied again, and this does it): answering
   * them one by one would find the live runner stopped by the first, and refuse the rest as not running.
   */
  private async retryDeadLetters(requests: RetryRequest[]): Promise<void> {
    const running = this.live;
    if (!running) {
      for (const request of requests) await this.registry.finishRequest(request.id, { error: 'not_running' });
      return;
    }
    await this.stopRunner(running);
    this.live = undefined; // restarted from its stored checkpoint by the next tick
    const letters = await this.registry.unresolvedDeadLetters(this.name, running.version);
    const events = await this.reread(letters);
    const since = await this.registry.databaseNow();
    const checkpoint = await running.sink.readCheckpoint();
    if (events.length > 0 && checkpoint) await running.sink.applyBatch(events, checkpoint);
    const resolved = await this.registry.resolveDeadLetters(this.name, running.version, events.map((event) => event.id), since);
    const outcome = { retried: letters.length, resolved, stillFailing: letters.length - resolved };
    for (const request of requests) await this.registry.finishRequest(request.id, outcome);
    this.options.onEvent?.(this.name, 'dead letters retried', { ...outcome, requests: requests.length });
  }

  private async reread(letters: { eventId: string; streamName: string }[]): Promise<ProjectedEvent[]> {
    const wanted = new Set(letters.map((letter) => letter.eventId));
    const found = new Map<string, RecordedEvent>();
    for (const stream of new Set(letters.map((letter) => letter.streamName))) {
      try {
        for (const event of await this.eventStore.readStream(stream)) if (wanted.has(event.id)) found.set(event.id, event);
      } catch (error) {
        if (!(error instanceof StreamDeletedError)) throw error; // a deleted stream's events stay parked
      }
    }
    const recorded = letters.map((letter) => found.get(letter.eventId)).filter((event): event is RecordedEvent => event !== undefined);
    return this.decoder.decode(recorded);
  }

  private noteBatch(version: number, checkpoint: Position, events: number): void {
    if (!this.definition.externalCheckpoint) return;
    const pending = this.pendingMirror.get(version);
    this.pendingMirror.set(version, { checkpoint, events: (pending?.events ?? 0) + events });
    this.mirrorTimer ??= setTimeout(() => {
      this.mirrorTimer = undefined;
      this.flushMirror().catch((error: unknown) => this.options.onError?.(this.name, error));
    }, MIRROR_DELAY_MS);
  }

  /** Writes the mirrored checkpoints: at most one write per projection per MIRROR_DELAY_MS, however fast it runs. */
  private async flushMirror(): Promise<void> {
    const pending = [...this.pendingMirror];
    this.pendingMirror.clear();
    for (const [version, { checkpoint, events }] of pending) await this.registry.mirror(this.name, version, checkpoint, events);
  }

  private async stopRunners(): Promise<void> {
    await this.stopRunner(this.live);
    await this.stopRunner(this.builder);
    this.live = undefined;
    this.builder = undefined;
  }

  private async stopRunner(running: RunningVersion | undefined): Promise<void> {
    await running?.runner.stop();
  }
}
