/**
 * Event store benchmark (`npm run bench:event-store`): durable single-event appends per second with 1 and 16
 * concurrent writers, against plain single-row INSERT commits of the same rows (the machine's limit for durable
 * commits) and against @event-driven-io/emmett-postgresql on the same database, and the catch-up read rate of $all.
 */
import { randomUUID } from 'node:crypto';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { Pool } from 'pg';
import { PostgresEventStore } from '@accounts/event-store';
import { createTestDatabase } from '../test/support/postgres';
import { type Figure, median, printTable, repeat, writeResults } from './lib/bench-kit';

const RUNS = 5;
const APPENDS_PER_RUN = { 1: 600, 16: 4_000 } as const;
const CATCH_UP_EVENTS = 200_000;

function event() {
  return {
    id: randomUUID(),
    type: 'BenchmarkHappened',
    data: { value: randomUUID(), count: 42, nested: { flag: true } },
    metadata: { occurredAt: new Date().toISOString(), correlationId: randomUUID(), service: 'bench' },
  };
}

async function concurrently(writers: number, total: number, work: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < total) await work(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench');
  const pool = new Pool({ connectionString: database.url, max: 20 });
  const store = new PostgresEventStore({ pool });
  await pool.query(`CREATE TABLE plain_events (id bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, stream_name text NOT NULL,
    stream_revision bigint NOT NULL, event_type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  const emmett = getPostgreSQLEventStore(database.url);
  const figures: Figure[] = [];
  try {
    for (const writers of [1, 16] as const) {
      const total = APPENDS_PER_RUN[writers];
      const ours = await repeat(RUNS, () => concurrently(writers, total, () => store.appendToStream(`bench-${randomUUID()}`, [event()], { expectedRevision: 'no_stream' })));
      const plain = await repeat(RUNS, () =>
        concurrently(writers, total, () => {
          const e = event();
          return pool.query('INSERT INTO plain_events (event_id, stream_name, stream_revision, event_type, data, metadata) VALUES ($1, $2, 0, $3, $4, $5)', [
            e.id,
            `bench-${randomUUID()}`,
            e.type,
            JSON.stringify(e.data),
            JSON.stringify(e.metadata),
          ]);
        }),
      );
      const peer = await repeat(RUNS, () =>
        concurrently(writers, total, () => emmett.appendToStream(`bench-${randomUUID()}`, [{ type: 'BenchmarkHappened', data: event().data }])),
      );
      figures.push({
        name: `appends/s, ${writers} writer${writers > 1 ? 's' : ''} (single-event commits)`,
        unit: 'events/s',
        runs: ours,
        median: median(ours),
        peer: { name: 'plain INSERT', median: median(plain), ratio: median(ours) / median(plain) },
      });
      figures.push({
        name: `  the same, ours against emmett-postgresql`,
        unit: 'events/s',
        runs: ours,
        median: median(ours),
        peer: { name: 'emmett-postgresql', median: median(peer), ratio: median(ours) / median(peer) },
      });
    }

    // Fill $all in large appends, then read it from the start in batches, as a catching-up projector does.
    for (let written = 0; written < CATCH_UP_EVENTS; written += 1_000) {
      await store.appendToStream(`fill-${randomUUID()}`, Array.from({ length: 1_000 }, event));
    }
    const catchUp = await repeat(3, async () => {
      const started = performance.now();
      let from;
      let read = 0;
      for (;;) {
        const batch = await store.readAll({ ...(from ? { from } : {}), maxCount: 1_000 });
        if (batch.length === 0) break;
        read += batch.length;
        from = batch[batch.length - 1]!.position;
      }
      return read / ((performance.now() - started) / 1000);
    });
    figures.push({ name: `catch-up read of $all (${CATCH_UP_EVENTS.toLocaleString('en-US')} events, batches of 1,000)`, unit: 'events/s', runs: catchUp, median: median(catchUp) });

    printTable('PostgreSQL event store', figures);
    console.log(`results: ${writeResults('event-store', figures)}`);
  } finally {
    await emmett.close();
    await store.close();
    await pool.end();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
