import type { Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventCodec } from '@accounts/event-codec';
import type { EventStore } from '@accounts/event-store';
import { DataKeyStore, deriveKey, EmailedTokens, FieldSealer, LookupHasher, type MasterKey, PasswordHasher } from '@accounts/privacy';
import { AggregateStore, serviceAggregateStore } from '@accounts/aggregates';
import { IDEMPOTENCY_FINGERPRINT_KEY } from '../idempotency/idempotency.interceptor';
import { IdempotencyStore } from '../idempotency/idempotency-store';
import { Metrics } from '../metrics/metrics';
import { EVENT_STORE, IDEMPOTENCY_POOL, MASTER_KEY, PG_POOL } from './tokens';

/** What command handlers need: sealing, hashing, the aggregate store, idempotency, metrics. */
export function writeSideProviders(masterKey: MasterKey): Provider[] {
  return [
    { provide: MASTER_KEY, useValue: masterKey },
    { provide: Metrics, useValue: new Metrics() },
    {
      provide: DataKeyStore,
      inject: [PG_POOL],
      // Listening for destroyed keys: another process's erasure evicts a cached key here at once.
      useFactory: async (pool: Pool) => {
        const keys = new DataKeyStore(pool, masterKey);
        await keys.listenForDestroyedKeys();
        return keys;
      },
    },
    { provide: FieldSealer, inject: [DataKeyStore], useFactory: (keys: DataKeyStore) => new FieldSealer(keys) },
    { provide: EventCodec, inject: [FieldSealer], useFactory: (sealer: FieldSealer) => new EventCodec(sealer) },
    { provide: LookupHasher, useValue: new LookupHasher(masterKey) },
    { provide: PasswordHasher, useValue: new PasswordHasher() },
    { provide: EmailedTokens, useValue: new EmailedTokens(masterKey) },
    {
      provide: AggregateStore,
      inject: [EVENT_STORE, EventCodec, Metrics, FieldSealer, PG_POOL],
      useFactory: (store: EventStore, codec: EventCodec, metrics: Metrics, sealer: FieldSealer, pool: Pool) =>
        serviceAggregateStore(store, codec, sealer, pool, {
          conflict: () => metrics.appendConflicts.inc(),
          appended: (stream, count) => metrics.eventsAppended.inc({ stream_category: stream.slice(0, stream.indexOf('-')) }, count),
        }),
    },
    // The event codec's sealer, so a stored response is sealed with the key the command has just used (cached).
    { provide: IdempotencyStore, inject: [IDEMPOTENCY_POOL, FieldSealer], useFactory: (pool: Pool, sealer: FieldSealer) => new IdempotencyStore(pool, sealer) },
    { provide: IDEMPOTENCY_FINGERPRINT_KEY, useValue: deriveKey(masterKey, 'idempotency-fingerprint') },
  ];
}
