import { randomUUID } from 'node:crypto';
import type { OrganizationEvent, UserEvent } from '@accounts/domain';
import type { EventCodec } from '@accounts/event-codec';
import type { EventStore } from '@accounts/event-store';

const QUARTER_HOUR = 15 * 60_000;

/**
 * Long user histories, appended directly through the codec and the store as the service writes them (sealed fields
 * sealed), in batches of 1,000: a login every quarter of an hour, each with an eight-hour session, ending now.
 * Without `append`, the stream is new and starts with its registration; with it, the logins follow the stream's last
 * event (a registration over HTTP, which also issues a verification token).
 */
export async function seedUserStream(store: EventStore, codec: EventCodec, userId: string, logins: number, options: { append?: boolean } = {}): Promise<void> {
  const start = Date.now() - (logins + 1) * QUARTER_HOUR;
  const metadata = { occurredAt: new Date(start).toISOString(), service: 'seed' };
  const events: UserEvent[] =
    !options.append
      ? [{ type: 'UserRegistered', data: { userId, email: `${userId}@example.com`, passwordHash: '$argon2id$seeded-hash', registeredAt: metadata.occurredAt } }]
      : [];
  for (let i = 0; i < logins; i++) {
    const at = start + (i + 1) * QUARTER_HOUR;
    events.push({ type: 'UserLoggedIn', data: { userId, sessionId: randomUUID(), tokenHash: 'a'.repeat(64), expiresAt: new Date(at + 8 * 3_600_000).toISOString(), ip: '198.51.100.7', at: new Date(at).toISOString() } });
  }
  const [last] = options.append ? await store.readStream(`user-${userId}`, { direction: 'backwards', maxCount: 1 }) : [];
  let revision = last ? last.revision : -1n;
  for (let from = 0; from < events.length; from += 1_000) {
    const batch = await Promise.all(events.slice(from, from + 1_000).map((event) => codec.encode(event, randomUUID(), metadata)));
    revision = (await store.appendToStream(`user-${userId}`, batch, { expectedRevision: revision < 0n ? 'no_stream' : revision })).nextExpectedRevision;
  }
}

/** `count` members joined to an existing organization's stream, appended directly in batches of 1,000 (none is a user). */
export async function seedMembers(store: EventStore, codec: EventCodec, organizationId: string, count: number): Promise<void> {
  const metadata = { occurredAt: new Date().toISOString(), service: 'seed' };
  const stream = `organization-${organizationId}`;
  const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
  let revision = last!.revision;
  for (let from = 0; from < count; from += 1_000) {
    const events: OrganizationEvent[] = Array.from({ length: Math.min(1_000, count - from) }, () => ({
      type: 'MemberJoined',
      data: { organizationId, userId: randomUUID(), role: 'member', joinedAt: metadata.occurredAt },
    }));
    const encoded = await Promise.all(events.map((event) => codec.encode(event, randomUUID(), metadata)));
    revision = (await store.appendToStream(stream, encoded, { expectedRevision: revision })).nextExpectedRevision;
  }
}
