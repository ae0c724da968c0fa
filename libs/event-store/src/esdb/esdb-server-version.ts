import type { EventStoreDBClient } from '@eventstore/db-client';

/**
 * The version ServerFeatures reported ("24.10.0", "unknown" for servers before 21.10, which lack the call). The
 * client fetches it once per connection, to choose BatchAppend, and keeps it behind a protected getter.
 */
async function serverVersion(client: EventStoreDBClient): Promise<string> {
  const features = await (client as unknown as { capabilities: Promise<{ serverVersion?: string }> }).capabilities;
  return features.serverVersion ?? 'unknown';
}

/** Subscriptions report caught-up from 23.10 on; before that (or when the version is unknown) they never do. */
export async function serverSendsCaughtUp(client: EventStoreDBClient): Promise<boolean> {
  const [major, minor] = /^(\d+)\.(\d+)/.exec(await serverVersion(client))?.slice(1).map(Number) ?? [];
  if (major === undefined || minor === undefined) return false;
  return major > 23 || (major === 23 && minor >= 10);
}
