import { randomUUID } from 'node:crypto';
import { ReadModelProjector } from '@accounts/projections/read-model/read-model.projector';
import { PostgresProjectionSink, type PostgresProjector } from '@accounts/projections/runtime/postgres-sink';
import type { ProjectedEvent } from '@accounts/projections/runtime/projected-event';
import { ProjectionRegistry } from '@accounts/projections/runtime/projection-registry';
import { eventStream } from '@accounts/projections/testing/projected-events';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';

/** The read model's query indexes (not its primary keys): what a rebuild goes without until its swap. */
const QUERY_INDEXES = (version: number) => [`memberships_v${version}_page`, `memberships_v${version}_user`, `invitations_v${version}_page`, `users_v${version}_email`].sort();

/** Version `version` of the read model, noting the `synchronous_commit` of each batch's transaction as it applies it. */
function recording(version: number): { projector: PostgresProjector; commits: string[] } {
  const real = new ReadModelProjector(version);
  const commits: string[] = [];
  const projector: PostgresProjector = {
    name: real.name,
    version,
    tables: real.tables,
    createTables: (client) => real.createTables(client),
    async apply(client, events) {
      commits.push((await client.query<{ s: string }>(`SELECT current_setting('synchronous_commit') AS s`)).rows[0]!.s);
      await real.apply(client, events);
    },
  };
  return { projector, commits };
}

/** An organization of three, one of whom leaves: every kind of write a batch makes (upserts and a removal). */
function history(): ProjectedEvent[] {
  const organizationId = randomUUID();
  const organization = eventStream(`organization-${organizationId}`);
  const users = Array.from({ length: 3 }, () => randomUUID());
  return [
    ...users.map((userId) => eventStream(`user-${userId}`).event('UserRegistered', { userId, email: `${userId}@example.com`, passwordHash: 'enc:v1:x', registeredAt: new Date().toISOString() })),
    organization.event('OrganizationCreated', { organizationId, name: 'Built', plan: 'free', ownerId: users[0]!, createdAt: new Date().toISOString() }),
    ...users.map((userId, i) => organization.event('MemberJoined', { organizationId, userId, role: i === 0 ? 'owner' : 'member', joinedAt: new Date().toISOString() })),
    organization.event('MemberLeft', { organizationId, userId: users[2]!, leftAt: new Date().toISOString() }),
  ];
}

describe('a read model version being built', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase('build');
  });
  afterEach(() => database.drop());
  afterAll(() => dropTemplate());

  async function queryIndexes(version: number): Promise<string[]> {
    const { rows } = await database.pool.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ANY ($1) ORDER BY indexname`,
      [QUERY_INDEXES(version)],
    );
    return rows.map((row) => row.name);
  }

  async function store(sink: PostgresProjectionSink, events: ProjectedEvent[]): Promise<void> {
    await sink.readCheckpoint();
    await sink.applyBatch(events, events.at(-1)!.position);
  }

  test('goes without the query indexes and without waiting for the WAL, and gets both back at its swap', async () => {
    const live = recording(1);
    const liveSink = new PostgresProjectionSink(database.pool, live.projector);
    await liveSink.prepare();
    expect(await queryIndexes(1)).toEqual(QUERY_INDEXES(1)); // the first version is live from the start
    await store(liveSink, history());
    expect(live.commits).toEqual(['on']);

    const building = recording(2);
    const buildingSink = new PostgresProjectionSink(database.pool, building.projector);
    await buildingSink.prepare();
    expect(await queryIndexes(2)).toEqual([]);
    const events = history();
    await store(buildingSink, events);
    expect(building.commits).toEqual(['off']);
    const { rows } = await database.pool.query(`SELECT count(*)::int AS members FROM memberships_v2`);
    expect(rows[0].members).toBe(2);

    await buildingSink.beforeActivate();
    expect(await queryIndexes(2)).toEqual(QUERY_INDEXES(2));
    await new ProjectionRegistry(database.pool).swap('read_model', 1, 2, (client) => buildingSink.activate(client));
    await buildingSink.applyBatch(history(), { commit: events.at(-1)!.position.commit + 100n, prepare: events.at(-1)!.position.prepare + 100n });
    expect(building.commits).toEqual(['off', 'on']); // live now: durable again
  });

  test('a swap without beforeActivate builds the query indexes in its own transaction', async () => {
    await new PostgresProjectionSink(database.pool, new ReadModelProjector(1)).prepare();
    const sink = new PostgresProjectionSink(database.pool, new ReadModelProjector(2));
    await sink.prepare();
    await store(sink, history());
    expect(await queryIndexes(2)).toEqual([]);
    await new ProjectionRegistry(database.pool).swap('read_model', 1, 2, (client) => sink.activate(client));
    expect(await queryIndexes(2)).toEqual(QUERY_INDEXES(2));
  });
});
