import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { EventStore } from '../../libs/event-store/src';
import { ReadModelProjector } from './read-model/read-model.projector';
import { DeadLetterRecorder } from './runtime/dead-letters';
import { PostgresProjectionSink } from './runtime/postgres-sink';
import { type EventDecoder, ProjectionRunner, type ProjectionStatus } from './runtime/projection-runner';
import type { ProjectionSink } from './runtime/projection-sink';
import { createSearchBackend, type SearchBackend } from './search/search-backend';
import { RedisSessionsSink } from './sessions/redis-sessions.sink';

export interface ProjectionsHostConfig {
  pool: Pool;
  redis: Redis;
  eventStore: EventStore;
  decoder: EventDecoder;
  sessionIdleSeconds: number;
  openSearchUrl?: string;
  onError?(projection: string, error: unknown): void;
}

/**
 * Runs the service's three projections — read model, sessions, search — in this process. `npm start` hosts them in
 * the API process; production runs `projections/src/main.ts` as its own process.
 */
export class ProjectionsHost {
  readonly runners: ProjectionRunner[];
  readonly search: SearchBackend;

  constructor(private readonly config: ProjectionsHostConfig) {
    const deadLetters = new DeadLetterRecorder(config.pool);
    this.search = createSearchBackend({
      pool: config.pool,
      openSearchUrl: config.openSearchUrl,
      openSearch: {
        onDeadLetter: (letter) =>
          void deadLetters
            .record({ projection: 'search', version: 1, event: { id: letter.eventId, type: letter.eventType, streamName: letter.streamName, position: { commit: 0n, prepare: 0n } }, reason: letter.reason })
            .catch((error: unknown) => config.onError?.('search', error)),
      },
    });
    const sinks: ProjectionSink[] = [
      new PostgresProjectionSink(config.pool, new ReadModelProjector()),
      new RedisSessionsSink(config.redis, { version: 1, idleSeconds: config.sessionIdleSeconds, deadLetters }),
      this.search.sink,
    ];
    this.runners = sinks.map(
      (sink) => new ProjectionRunner(config.eventStore, config.decoder, sink, { onError: (error) => config.onError?.(sink.name, error) }),
    );
  }

  /** Starts every projection; resolves once each has caught up with $all as it was at start. */
  async start(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
    await this.search.close();
  }

  statuses(): ProjectionStatus[] {
    return this.runners.map((runner) => runner.current());
  }
}
