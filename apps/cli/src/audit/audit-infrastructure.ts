import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { Pool } from 'pg';
import { AuditReader, type Reviewer } from '@accounts/audit';
import { loadConfig, openEventStore } from '@accounts/config';
import { EventCodec } from '@accounts/event-codec';
import { DataKeyStore, FieldSealer, loadMasterKey } from '@accounts/privacy';

/**
 * What the audit commands read with: the service's own event store and codec (the same environment variables), and a
 * reviewer that names the operator, so unmasked reads from the CLI are recorded like those over HTTP. It listens for
 * destroyed data keys as the service's processes do: an export that runs for a minute must not open, from its cache,
 * the data of a person erased meanwhile.
 */
export async function openAuditInfrastructure() {
  const config = loadConfig();
  const pool = new Pool({ connectionString: config.databaseUrl, max: 4, application_name: 'accounts-cli-audit' });
  const eventStore = openEventStore(config, pool);
  const masterKey = loadMasterKey(config.production ? { NODE_ENV: 'production', MASTER_KEY: config.masterKey } : { MASTER_KEY: config.masterKey });
  const keys = new DataKeyStore(pool, masterKey);
  await keys.listenForDestroyedKeys();
  const sealer = new FieldSealer(keys);
  const reader = new AuditReader(eventStore, new EventCodec(sealer), sealer);
  const operator = process.env['USER'] ?? safeUserName();
  const reviewer: Reviewer = {
    service: { name: `cli:${operator}` },
    actorId: undefined,
    correlationId: randomUUID(),
    requestId: randomUUID(),
  };
  return {
    reader,
    reviewer,
    async close() {
      await keys.close();
      await eventStore.close();
      await pool.end();
    },
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'operator';
  }
}
