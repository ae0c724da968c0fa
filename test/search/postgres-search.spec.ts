import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import type { ProjectedEvent } from '@accounts/projections/runtime/projected-event';
import { PostgresProjectionSink } from '@accounts/projections/runtime/postgres-sink';
import { PostgresSearchProjector } from '@accounts/projections/search/postgres-search.projector';
import { PostgresSearchReader } from '@accounts/projections/search/postgres-search.reader';
import { InvalidCursorError } from '@accounts/projections/search/search-query';
import { createdOrganization, describeSearchBehaviour, registeredUser, stream, type SearchBackendUnderTest } from './search-behaviour';

// This file owns a database of its own (created from `test`, dropped at the end); each test gets a fresh schema in it.
const ADMIN_URL = 'postgres://root@127.0.0.1:5432/test';
const DATABASE = `search_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const DATABASE_URL = `postgres://root@127.0.0.1:5432/${DATABASE}`;
const MIGRATIONS = ['0004_projections.sql', '0005_search.sql'].map((file) => readFileSync(join(__dirname, '../../migrations', file), 'utf8'));

jest.setTimeout(60_000);

beforeAll(async () => {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
});

afterAll(async () => {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.end();
});

let schemas = 0;
async function freshSchema(): Promise<Pool> {
  const schema = `s${++schemas}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const setup = new Client({ connectionString: DATABASE_URL });
  await setup.connect();
  await setup.query(`CREATE SCHEMA ${schema}`);
  // pg_trgm lands in public (first run); the bookkeeping tables in the test's schema.
  await setup.query(MIGRATIONS[1]!);
  await setup.query(`SET search_path = ${schema}, public`);
  await setup.query(MIGRATIONS[0]!);
  await setup.end();
  return new Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema},public`, max: 3 });
}

async function postgresBackend(version = 1, existing?: Pool): Promise<SearchBackendUnderTest & { pool: Pool; sink: PostgresProjectionSink }> {
  const pool = existing ?? (await freshSchema());
  const sink = new PostgresProjectionSink(pool, new PostgresSearchProjector(version));
  await sink.prepare();
  await sink.readCheckpoint();
  return {
    pool,
    sink,
    reader: new PostgresSearchReader(pool),
    project: (events: ProjectedEvent[]) => sink.applyBatch(events, events.at(-1)!.position),
    teardown: () => pool.end(),
  };
}

describeSearchBehaviour({ name: 'PostgreSQL', setup: () => postgresBackend() });

describe('search in PostgreSQL', () => {
  let backend: Awaited<ReturnType<typeof postgresBackend>>;
  beforeEach(async () => {
    backend = await postgresBackend();
  });
  afterEach(async () => {
    await backend.teardown();
  });

  test('a malformed or orphan event is parked in the dead letters; the rest of the batch lands', async () => {
    const good = createdOrganization('Vandelay Industries', 'pro');
    const malformed = good.event('OrganizationRenamed', {});
    const orphan = stream('organization').event('PlanChanged', { plan: 'pro' }, 3n);
    const user = registeredUser('art@vandelay.example');

    const { deadLettered } = await backend.project([good.created, malformed, orphan, user.registered]);
    expect(deadLettered).toBe(2);
    const { rows } = await backend.pool.query<{ event_id: string; error: string }>(
      `SELECT event_id, error FROM projection_dead_letters WHERE projection = 'search' ORDER BY id`,
    );
    expect(rows.map((r) => r.event_id)).toEqual([malformed.id, orphan.id]);
    expect(rows.map((r) => r.error)).toEqual(['undecodable: MalformedEventError name', 'OrphanSearchChangeError']);
    expect((await backend.reader.searchOrganizations({ q: 'vandelay' })).items).toEqual([{ id: good.id, name: 'Vandelay Industries', plan: 'pro' }]);
    expect((await backend.reader.searchUsers({ q: 'art' })).items).toEqual([{ id: user.id, email: 'art@vandelay.example' }]);
    // No personal data in what was recorded about the failures.
    expect(JSON.stringify(rows)).not.toContain('vandelay');
  });

  test('the checkpoint is stored with the batch', async () => {
    const user = registeredUser('cp@example.com');
    await backend.project([user.registered]);
    const { rows } = await backend.pool.query(`SELECT position_commit, state FROM projection_checkpoints WHERE projection = 'search'`);
    expect(rows).toEqual([{ position_commit: user.registered.position.commit.toString(), state: 'live' }]);
  });

  test('fuzzy matches come after the other tiers, closest first', async () => {
    const closer = registeredUser('catherine@example.com'); // word similarity 0.7
    const close = registeredUser('katheryn@example.com'); // 0.6
    const far = registeredUser('katharina@example.com'); // 0.4: no match
    const word = registeredUser('the.katherine@example.com');
    const prefix = registeredUser('katherine.b@example.com');
    await backend.project([close, closer, far, word, prefix].map((u) => u.registered));
    const page = await backend.reader.searchUsers({ q: 'katherine' });
    expect(page.items.map((i) => i.id)).toEqual([prefix.id, word.id, closer.id, close.id]);
    // Keyset pages through the similarity order too.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const next: Awaited<ReturnType<PostgresSearchReader['searchUsers']>> = await backend.reader.searchUsers({ q: 'katherine', limit: 1, cursor });
      paged.push(...next.items.map((i) => i.id));
      cursor = next.nextCursor;
    } while (cursor);
    expect(paged).toEqual(page.items.map((i) => i.id));
  });

  test('limits are clamped to 1..100 and cursors are checked', async () => {
    const users = Array.from({ length: 3 }, (_, i) => registeredUser(`clamp${i}@example.com`));
    await backend.project(users.map((u) => u.registered));
    expect((await backend.reader.searchUsers({ q: 'clamp', limit: 0 })).items).toHaveLength(1);
    expect((await backend.reader.searchUsers({ q: 'clamp', limit: 1000 })).items).toHaveLength(3);
    const first = await backend.reader.searchUsers({ q: 'clamp', limit: 1 });
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    await expect(backend.reader.searchUsers({ q: 'clamp', cursor: 'not a cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(backend.reader.searchUsers({ q: 'clamp', cursor: Buffer.from('{"k":"users"}').toString('base64url') })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    // A users cursor is no organizations cursor.
    await expect(backend.reader.searchOrganizations({ q: 'clamp', cursor: first.nextCursor })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  test('a second version builds beside the live one; the views keep pointing at the live version', async () => {
    const user = registeredUser('blue@example.com');
    await backend.project([user.registered]);
    const green = await postgresBackend(2, backend.pool);
    await green.project([registeredUser('green@example.com').registered]);
    expect((await backend.reader.searchUsers({ q: 'green' })).items).toEqual([]);
    const { rows } = await backend.pool.query(
      `SELECT projection, version, state FROM projection_checkpoints WHERE projection = 'search' ORDER BY version`,
    );
    expect(rows).toEqual([
      { projection: 'search', version: 1, state: 'live' },
      { projection: 'search', version: 2, state: 'building' },
    ]);
    await backend.pool.query(`SELECT 1 FROM search_users_v2`);
  });

  test('the search uses the trigram and full-text indexes', async () => {
    await backend.project(Array.from({ length: 50 }, (_, i) => registeredUser(`index${i}@example.com`).registered));
    const client = await backend.pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM search_users WHERE email_lower LIKE 'ind%' OR words @@ plainto_tsquery('simple', 'index1') OR 'index' <% email_lower`,
      );
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('search_users_v1_trgm');
      expect(plan).toContain('search_users_v1_words');
    } finally {
      client.release();
    }
  });
});
