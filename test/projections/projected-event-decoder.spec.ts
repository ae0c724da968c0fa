import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { EventCodec, type PlainEvent } from '@accounts/event-codec';
import type { RecordedEvent } from '@accounts/event-store';
import { DataKeyStore, FieldSealer, masterKeyFrom } from '@accounts/privacy';
import { ProjectedEventDecoder } from '@accounts/projections/runtime/projected-event-decoder';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';

/** What projectors receive for each stored event: typed and checked, foreign, or undecodable with a safe reason. */
describe('projected event decoder', () => {
  const master = masterKeyFrom(randomBytes(32));
  let database: TestDatabase;
  let codec: EventCodec;
  let position = 0n;
  beforeAll(async () => {
    database = await createTestDatabase('decoder');
    codec = new EventCodec(new FieldSealer(new DataKeyStore(database.pool, master)));
  });
  afterAll(async () => {
    await database.drop();
    await dropTemplate();
  });

  async function stored(streamName: string, event: PlainEvent): Promise<RecordedEvent> {
    const encoded = await codec.encode(event, randomUUID(), { occurredAt: '2026-12-01T10:00:00.000Z' });
    position++;
    return { ...encoded, streamName, revision: 0n, position: { commit: position, prepare: position } };
  }

  test('a domain event arrives typed and opened, secrets still sealed; the rest as foreign or undecodable', async () => {
    const userId = randomUUID();
    const registered = await stored(`user-${userId}`, {
      type: 'UserRegistered',
      data: { userId, email: 'nina@example.com', passwordHash: '$argon2id$v=19$secret', registeredAt: '2026-12-01T10:00:00.000Z', extra: 'dropped' },
    });
    const tampered = { ...registered, id: randomUUID(), data: { ...(registered.data as object), email: `${(registered.data as { email: string }).email.slice(0, -4)}AAAA` } };
    const malformed = await stored(`user-${userId}`, { type: 'UserEmailChanged', data: { userId, email: 'nina@new.example', changedAt: 'yesterday' } });
    const foreign = await stored(`audit-read-${randomUUID()}`, { type: 'PersonalDataRead', data: { readBy: 'audit', subject: { kind: 'history' } } });

    const [typed, bad, wrongShape, other] = await new ProjectedEventDecoder(codec).decode([registered, tampered, malformed, foreign]);
    expect(typed).toMatchObject({ kind: 'domain', type: 'UserRegistered', id: registered.id, streamName: `user-${userId}`, data: { userId, email: 'nina@example.com' } });
    expect(typed!.kind === 'domain' && typed!.type === 'UserRegistered' && typed!.data.passwordHash).toMatch(/^enc:v1:/);
    expect(typed!.kind === 'domain' && 'extra' in typed!.data).toBe(false); // only what the domain's type declares
    expect(bad).toMatchObject({ kind: 'undecodable', id: tampered.id, reason: 'TamperedValueError' });
    expect(wrongShape).toMatchObject({ kind: 'undecodable', id: malformed.id, reason: 'MalformedEventError changedAt' });
    expect(other).toMatchObject({ kind: 'foreign', type: 'PersonalDataRead' });
    expect(other).not.toHaveProperty('data');
    // What the sinks store as a dead letter's reason names a class or a field, never a value.
    expect(JSON.stringify([bad, wrongShape].map((event) => event!.kind === 'undecodable' && event!.reason))).not.toMatch(/nina|yesterday/);
  });

  test('when the data keys cannot be read, decoding fails (the batch is retried) rather than parking every event', async () => {
    const userId = randomUUID();
    const event = await stored(`user-${userId}`, { type: 'UserEmailChanged', data: { userId, email: 'otto@example.com', changedAt: '2026-12-01T10:00:00.000Z' } });
    const unreachable = new Pool({ connectionString: 'postgres://root@127.0.0.1:1/none', connectionTimeoutMillis: 2_000 });
    unreachable.on('error', () => undefined);
    try {
      const decoder = new ProjectedEventDecoder(new EventCodec(new FieldSealer(new DataKeyStore(unreachable, master))));
      await expect(decoder.decode([event, event])).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await unreachable.end();
    }
  });
});
