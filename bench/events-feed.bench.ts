/**
 * Feed benchmark (`npm run bench:feed`): integration events read per second through `GET /v1/events` (pages of
 * 1,000, through Fastify in-process: routing, validation, the codec's decoding of sealed events, the mapping, JSON),
 * beside its floor measured in the same run: the same events read from the store's $all in the same batches with
 * the same type filter, nothing decoded. The store holds what production stores: emails sealed per person, logins
 * (which publish nothing) among them.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_STORE } from '../apps/api/src/infrastructure/tokens';
import { EventCodec } from '@accounts/event-codec';
import type { EventStore, Position } from '@accounts/event-store';
import { INTEGRATION_EVENT_TYPES, sourceTypesOf } from '@accounts/integration-events';
import { createTestApp } from '../test/support/app';
import { type Figure, median, printTable, writeResults } from './lib/bench-kit';

const PEOPLE = Number(process.env.BENCH_FEED_PEOPLE ?? 4_000);
const RUNS = 5;
const PAGE = 1_000;

async function main(): Promise<void> {
  const t = await createTestApp({ redisDb: Number(process.env.BENCH_REDIS_DB ?? 7), ...(process.env.BENCH_REDIS_URL ? { redisUrl: process.env.BENCH_REDIS_URL } : {}) });
  try {
    const store = t.app.get<EventStore>(EVENT_STORE);
    const codec = t.app.get(EventCodec);
    const organizationId = randomUUID();
    const published = PEOPLE * 3;
    const eventTypes = sourceTypesOf(INTEGRATION_EVENT_TYPES);
    const at = () => new Date().toISOString();
    // Per person: registered, logged in (not published), email changed, joined an organization: 3 published of 4.
    for (let i = 0; i < PEOPLE; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, PEOPLE - i) }, async () => {
          const userId = randomUUID();
          const metadata = { occurredAt: at(), clientIp: { ip: '203.0.113.9', subjectId: userId } };
          const events = [
            { type: 'UserRegistered', data: { userId, email: `${userId}@example.com`, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g', registeredAt: at() } },
            { type: 'UserLoggedIn', data: { userId, sessionId: randomUUID(), tokenHash: 'a'.repeat(64), expiresAt: at(), ip: '203.0.113.9', at: at() } },
            { type: 'UserEmailChanged', data: { userId, email: `new-${userId}@example.com`, changedAt: at() } },
          ];
          await store.appendToStream(`user-${userId}`, await Promise.all(events.map((event) => codec.encode(event, randomUUID(), metadata))));
          const joined = { type: 'MemberJoined', data: { organizationId, userId, role: 'member', joinedAt: at() } };
          await store.appendToStream(`member-bench-${userId}`, [await codec.encode(joined, randomUUID(), { occurredAt: at() })]);
        }),
      );
    }
    await t.allEvents(); // every event visible before the clock starts

    const feed = () =>
      timed(async () => {
        let read = 0;
        let cursor: string | undefined;
        for (;;) {
          // An empty page is not the end: PostgreSQL may still hide events behind another transaction of the cluster.
          const page = await t.request('GET', `/v1/events?limit=${PAGE}&waitSeconds=1${cursor ? `&after=${cursor}` : ''}`);
          if (page.status !== 200) throw new Error(`feed answered ${page.status}`);
          read += page.body.items.length;
          cursor = page.body.nextCursor;
          if (read >= published) return read;
        }
      });
    const floor = () =>
      timed(async () => {
        let read = 0;
        let from: Position | undefined;
        for (;;) {
          const batch = await store.readAll({ ...(from ? { from } : {}), maxCount: PAGE, filter: { eventTypes } });
          read += batch.length;
          from = batch.at(-1)?.position ?? from;
          if (read >= published) return read;
        }
      });
    // Alternate, so both see the same load on a shared machine.
    await feed();
    await floor();
    const ours: number[] = [];
    const raw: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      ours.push(await check(feed(), published));
      raw.push(await check(floor(), published));
    }
    const figures: Figure[] = [
      {
        name: `feed read, GET /v1/events pages of ${PAGE} (${published.toLocaleString('en-US')} published of ${(PEOPLE * 4).toLocaleString('en-US')} sealed events)`,
        unit: 'events/s',
        runs: ours,
        median: median(ours),
        peer: { name: `$all read, same filter and batches`, median: median(raw), ratio: median(ours) / median(raw) },
      },
    ];
    printTable('Events feed', figures);
    console.log(`results: ${writeResults('events-feed', figures)}`);
  } finally {
    await t.close();
  }
}

/** Events per second of one full read; the count is checked, so a short read cannot pass for a fast one. */
async function timed(read: () => Promise<number>): Promise<{ count: number; perSecond: number }> {
  const started = performance.now();
  const count = await read();
  return { count, perSecond: count / ((performance.now() - started) / 1000) };
}

async function check(result: Promise<{ count: number; perSecond: number }>, expected: number): Promise<number> {
  const { count, perSecond } = await result;
  if (count !== expected) throw new Error(`read ${count} events, expected ${expected}`);
  return perSecond;
}


main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
