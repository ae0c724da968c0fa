import { randomBytes } from 'node:crypto';
import { memberCount, membersOf, organizationDecider } from '@accounts/domain';
import { EventCodec } from '@accounts/event-codec';
import { type EventStore, PostgresEventStore, WrongExpectedRevisionError } from '@accounts/event-store';
import { DataKeyStore, FieldSealer, masterKeyFrom } from '@accounts/privacy';
import { AggregateStore, ConcurrencyConflictError } from '@accounts/aggregates';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';

describe('aggregate store', () => {
  jest.setTimeout(60_000);
  let database: TestDatabase;
  let store: PostgresEventStore;
  let codec: EventCodec;
  beforeAll(async () => {
    database = await createTestDatabase('agg');
    store = new PostgresEventStore({ connectionString: database.url });
    codec = new EventCodec(new FieldSealer(new DataKeyStore(database.pool, masterKeyFrom(randomBytes(32)))));
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
    await dropTemplate();
  });

  const context = { metadata: { occurredAt: new Date().toISOString(), service: 'test' } };
  const create = (organizationId: string, actorId: string) =>
    ({ type: 'CreateOrganization', data: { organizationId, name: 'Acme', now: context.metadata.occurredAt }, actor: { userId: actorId, isActive: true, mayManageUsers: false } }) as const;

  test('a stream that keeps changing under every retry ends in concurrency_conflict, having appended nothing', async () => {
    let attempts = 0;
    const alwaysLosing: EventStore = Object.assign(Object.create(store) as EventStore, {
      appendToStream: async (streamName: string) => {
        attempts++;
        throw new WrongExpectedRevisionError(streamName, 'no_stream', 3n);
      },
    });
    const conflicts: number[] = [];
    const aggregates = new AggregateStore(alwaysLosing, codec, { conflict: () => conflicts.push(1) });
    const id = crypto.randomUUID();
    await expect(aggregates.execute(`organization-${id}`, organizationDecider, create(id, crypto.randomUUID()), context)).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect(attempts).toBeGreaterThan(1);
    expect(conflicts).toHaveLength(attempts);
    expect(await store.readStream(`organization-${id}`)).toEqual([]);
  });

  test('two processes racing on one stream: the loser retries with fresh state and the rules still hold', async () => {
    const id = crypto.randomUUID();
    const owner = crypto.randomUUID();
    const [first, second] = [new AggregateStore(store, codec), new AggregateStore(store, codec)];
    await first.execute(`organization-${id}`, organizationDecider, create(id, owner), context);
    const people = Array.from({ length: 12 }, () => crypto.randomUUID());
    await Promise.all(
      people.map((userId, i) =>
        (i % 2 ? first : second).execute(
          `organization-${id}`,
          organizationDecider,
          { type: 'AddMember', data: { userId, role: 'member', userIsActive: true, now: context.metadata.occurredAt }, actor: { userId: owner, isActive: true, mayManageUsers: false } },
          context,
        ),
      ),
    );
    const { state } = await first.load(`organization-${id}`, organizationDecider);
    expect(state.status === 'active' && Object.keys(membersOf(state)).sort()).toEqual([owner, ...people].sort());
  });

  test('cached streams: each command reads only the new events, sees other processes\' appends, and still recognises a repeat', async () => {
    const id = crypto.randomUUID();
    const owner = crypto.randomUUID();
    const readSizes: number[] = [];
    const counting: EventStore = Object.assign(Object.create(store) as EventStore, {
      readStream: async (...args: Parameters<EventStore['readStream']>) => {
        const events = await store.readStream(...args);
        readSizes.push(events.length);
        return events;
      },
    });
    const cached = new AggregateStore(counting, codec, {}, { cacheable: () => true });
    const other = new AggregateStore(store, codec);
    const stream = `organization-${id}`;
    const add = (userId: string) => ({ type: 'AddMember', data: { userId, role: 'member', userIsActive: true, now: context.metadata.occurredAt }, actor: { userId: owner, isActive: true, mayManageUsers: false } }) as const;
    await cached.execute(stream, organizationDecider, create(id, owner), context);
    for (let i = 0; i < 5; i++) await cached.execute(stream, organizationDecider, add(crypto.randomUUID()), context);
    expect(readSizes).toEqual([0]); // the history is never read again: a cached stream is decided on without a read

    // Another process adds someone: the cached store reads that one event and decides on the full state.
    const joinedElsewhere = crypto.randomUUID();
    await other.execute(stream, organizationDecider, add(joinedElsewhere), context);
    await expect(cached.execute(stream, organizationDecider, add(joinedElsewhere), context)).rejects.toMatchObject({ code: 'already_member' });
    expect(readSizes.at(-1)).toBe(1);

    // A command run again with the same id seed (a crash between append and response) is recognised, not re-decided.
    const repeated = { ...context, idSeed: `seed-${id}` };
    const newcomer = crypto.randomUUID();
    const first = await cached.execute(stream, organizationDecider, add(newcomer), repeated);
    const again = await cached.execute(stream, organizationDecider, add(newcomer), repeated);
    expect([first.alreadyApplied, again.alreadyApplied, again.position]).toEqual([false, true, first.position]);
    const { state } = await other.load(stream, organizationDecider);
    expect(state.status === 'active' && memberCount(state)).toBe(8);
  });

  test('a cached stream decided on without a read: a refusal or a no-op on stale state is decided again on read state', async () => {
    const id = crypto.randomUUID();
    const owner = crypto.randomUUID();
    const stream = `organization-${id}`;
    const cached = new AggregateStore(store, codec, {}, { cacheable: () => true });
    const other = new AggregateStore(store, codec);
    await cached.execute(stream, organizationDecider, create(id, owner), context);
    const elsewhere = crypto.randomUUID();
    await other.execute(stream, organizationDecider, { type: 'AddMember', data: { userId: elsewhere, role: 'member', userIsActive: true, now: context.metadata.occurredAt }, actor: { userId: owner, isActive: true, mayManageUsers: false } }, context);
    // The cache does not know `elsewhere`: decided on it alone, this would be 409 not_a_member.
    const promoted = await cached.execute(stream, organizationDecider, { type: 'ChangeMemberRole', data: { userId: elsewhere, role: 'admin', now: context.metadata.occurredAt }, actor: { userId: owner, isActive: true, mayManageUsers: false } }, context);
    expect(promoted.events.map((event) => event.type)).toEqual(['MemberRoleChanged']);
    // Renamed elsewhere: the cache still has 'Acme', so renaming back to 'Acme' would look like nothing to do.
    await other.execute(stream, organizationDecider, { type: 'RenameOrganization', data: { name: 'Elsewhere', now: context.metadata.occurredAt }, actor: { userId: owner, isActive: true, mayManageUsers: false } }, context);
    const back = await cached.execute(stream, organizationDecider, { type: 'RenameOrganization', data: { name: 'Acme', now: context.metadata.occurredAt }, actor: { userId: owner, isActive: true, mayManageUsers: false } }, context);
    expect(back.events.map((event) => event.type)).toEqual(['OrganizationRenamed']);
    expect(back.state.status === 'active' && back.state.name).toBe('Acme');
  });
});
