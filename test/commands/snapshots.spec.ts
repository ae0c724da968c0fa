import { randomBytes, randomUUID } from 'node:crypto';
import { type OrganizationEvent, userDecider } from '@accounts/domain';
import { EventCodec, SnapshotCodec } from '@accounts/event-codec';
import { type EventStore, PostgresEventStore, type ReadStreamOptions } from '@accounts/event-store';
import { DataKeyStore, FieldSealer, masterKeyFrom } from '@accounts/privacy';
import { AggregateStore, PostgresSnapshotStore, serviceAggregateStore, type SnapshotPolicy, snapshotPolicyFor } from '@accounts/aggregates';
import { OrganizationSteps } from '@accounts/projections/runtime/organization-steps';
import { migrate } from '@accounts/database';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';
import { seedMembers, seedUserStream } from './seed-streams';

describe('aggregate store snapshots', () => {
  jest.setTimeout(120_000);
  let database: TestDatabase;
  let store: PostgresEventStore;
  let keys: DataKeyStore;
  let codec: EventCodec;
  let snapshotCodec: SnapshotCodec;
  let snapshots: PostgresSnapshotStore;
  let sealer: FieldSealer;
  beforeAll(async () => {
    database = await createTestDatabase('snap');
    await migrate(database.pool);
    store = new PostgresEventStore({ connectionString: database.url });
    keys = new DataKeyStore(database.pool, masterKeyFrom(randomBytes(32)));
    sealer = new FieldSealer(keys);
    codec = new EventCodec(sealer);
    snapshotCodec = new SnapshotCodec(sealer);
    snapshots = new PostgresSnapshotStore(database.pool);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
    await dropTemplate();
  });

  /** The event store as the aggregate store sees it, recording every stream read (the store itself is real). */
  function recordingReads(): { eventStore: EventStore; reads: (ReadStreamOptions & { returned: number })[] } {
    const reads: (ReadStreamOptions & { returned: number })[] = [];
    const eventStore: EventStore = Object.assign(Object.create(store) as EventStore, {
      readStream: async (streamName: string, options: ReadStreamOptions = {}) => {
        const events = await store.readStream(streamName, options);
        reads.push({ ...options, returned: events.length });
        return events;
      },
    });
    return { eventStore, reads };
  }

  const aggregates = (eventStore: EventStore, policyFor: (stream: string) => SnapshotPolicy | undefined = snapshotPolicyFor) =>
    new AggregateStore(eventStore, codec, {}, { snapshots: { store: snapshots, codec: snapshotCodec, policyFor } });
  const context = () => ({ metadata: { occurredAt: new Date().toISOString(), service: 'test' } });
  const revokeAll = (userId: string) => ({ type: 'RevokeAllSessions', data: { userId, now: new Date().toISOString() }, actor: { userId, isActive: true, mayManageUsers: false } }) as const;
  const snapshotRow = async (userId: string) =>
    (await database.pool.query<{ revision: string; state_version: number; state: string }>('SELECT revision, state_version, state FROM aggregate_snapshots WHERE stream_name = $1', [`user-${userId}`])).rows[0];

  test('a user with 4,500 events: the first command folds it all once and snapshots it; a cold process then reads only the events after the snapshot', async () => {
    const userId = randomUUID();
    await seedUserStream(store, codec, userId, 4_500);
    const first = recordingReads();
    const outcome = await aggregates(first.eventStore).execute(`user-${userId}`, userDecider, revokeAll(userId), context());
    expect(outcome.events.map((event) => event.type)).toEqual(['AllSessionsRevoked']);
    expect(first.reads.map((read) => read.returned)).toEqual([4_501]);

    const row = await snapshotRow(userId);
    expect([row?.revision, row?.state_version]).toEqual(['4500', snapshotPolicyFor(`user-${userId}`)!.version]);
    // Sealed with the person's key: neither the address nor the hash is readable in the table.
    expect(row!.state).not.toContain('@example.com');
    expect(row!.state).not.toContain('argon2');

    const cold = recordingReads();
    const state = (await aggregates(cold.eventStore).load(`user-${userId}`, userDecider)).state;
    expect(cold.reads).toEqual([{ fromRevision: 4_501n, returned: 1 }]);
    expect(state).toEqual((await aggregates(store, () => undefined).load(`user-${userId}`, userDecider)).state);
    expect(state.status === 'active' && Object.keys(state.sessions)).toEqual([]);
  });

  test('a new snapshot once `every` events came after the last one; a snapshot of another state version is never used', async () => {
    const userId = randomUUID();
    await seedUserStream(store, codec, userId, 150);
    await aggregates(store).load(`user-${userId}`, userDecider); // 151 events: a snapshot at revision 150
    expect((await snapshotRow(userId))?.revision).toBe('150');

    const next = snapshotPolicyFor(`user-${userId}`)!.version + 1;
    const newer = (stream: string) => ({ ...snapshotPolicyFor(stream)!, version: next });
    const cold = recordingReads();
    await aggregates(cold.eventStore, newer).load(`user-${userId}`, userDecider);
    expect(cold.reads).toEqual([{ returned: 151 }]); // the older snapshot was ignored: the whole stream was read
    expect((await snapshotRow(userId))?.state_version).toBe(next); // and replaced by one of the new shape
  });

  test('erasure deletes the snapshot; a snapshot whose key is destroyed reads as none, and the stream is folded instead', async () => {
    const userId = randomUUID();
    await seedUserStream(store, codec, userId, 300);
    const store1 = aggregates(store);
    await store1.load(`user-${userId}`, userDecider);
    expect(await snapshotRow(userId)).toBeDefined();
    await store1.execute(`user-${userId}`, userDecider, { type: 'EraseUser', data: { userId, isBillingOwnerOfAnyOrganization: false, now: new Date().toISOString() }, actor: { userId, isActive: true, mayManageUsers: false } }, context());
    expect(await snapshotRow(userId)).toBeUndefined();

    const other = randomUUID();
    await seedUserStream(store, codec, other, 300);
    await aggregates(store).load(`user-${other}`, userDecider);
    expect(await snapshotRow(other)).toBeDefined();
    await keys.destroy(other);
    const cold = recordingReads();
    const { state } = await aggregates(cold.eventStore).load(`user-${other}`, userDecider);
    expect(cold.reads).toEqual([{ returned: 301 }]);
    expect(state.status === 'active' && state.email).toBe('[erased]');
  });

  test("a process step on an organization of 3,000 members (an erased member's removal) loads it as commands do: from its snapshot, not the whole stream", async () => {
    const organizationId = randomUUID();
    const leaver = randomUUID();
    const stream = `organization-${organizationId}`;
    const metadata = { occurredAt: new Date().toISOString(), service: 'seed' };
    const encode = (events: OrganizationEvent[]) => Promise.all(events.map((event) => codec.encode(event, randomUUID(), metadata)));
    const created: OrganizationEvent = { type: 'OrganizationCreated', data: { organizationId, name: 'Big', plan: 'free', ownerId: randomUUID(), createdAt: metadata.occurredAt } };
    await store.appendToStream(stream, await encode([created]), { expectedRevision: 'no_stream' });
    await seedMembers(store, codec, organizationId, 2_999);
    const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    const joined: OrganizationEvent = { type: 'MemberJoined', data: { organizationId, userId: leaver, role: 'member', joinedAt: metadata.occurredAt } };
    await store.appendToStream(stream, await encode([joined]), { expectedRevision: last!.revision });
    const remove = (userId: string) => (now: string) => ({ type: 'RemoveErasedMember', data: { userId, now } }) as const;
    const context = { now: () => new Date(), service: 'erasure', causationId: randomUUID() };

    // The first step on the organization anywhere folds its stream once and snapshots it, as a first command does.
    expect(await new OrganizationSteps(serviceAggregateStore(store, codec, sealer, database.pool)).run(organizationId, remove(randomUUID()), context)).toBe(false);
    const cold = recordingReads();
    expect(await new OrganizationSteps(serviceAggregateStore(cold.eventStore, codec, sealer, database.pool)).run(organizationId, remove(leaver), context)).toBe(true);
    expect(cold.reads).toEqual([{ fromRevision: 3_001n, returned: 0 }]);
    const [removed] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    expect([removed!.type, removed!.metadata.service, removed!.metadata.causationId]).toEqual(['MemberRemoved', 'erasure', context.causationId]);
  });
});
