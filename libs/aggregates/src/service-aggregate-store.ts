import type { Pool } from 'pg';
import { type EventCodec, SnapshotCodec } from '@accounts/event-codec';
import type { EventStore } from '@accounts/event-store';
import type { FieldSealer } from '@accounts/privacy';
import { ORGANIZATION_STREAM_PREFIX } from '@accounts/streams';
import { AggregateStore, type AggregateStoreObserver } from './aggregate-store';
import { snapshotPolicyFor } from './snapshot-policies';
import { PostgresSnapshotStore } from './snapshot-store';

/**
 * The aggregate store as the service runs it, for the API's commands and the projections' process steps alike
 * (erasure's member removals, invitations' expiry): the same snapshots, so no writer reads a long stream whole.
 */
export function serviceAggregateStore(eventStore: EventStore, codec: EventCodec, sealer: FieldSealer, pool: Pool, observer: AggregateStoreObserver = {}): AggregateStore {
  return new AggregateStore(eventStore, codec, observer, {
    // Organization streams grow with every membership change and carry no personal data in their state.
    cacheable: (stream) => stream.startsWith(ORGANIZATION_STREAM_PREFIX),
    snapshots: { store: new PostgresSnapshotStore(pool), codec: new SnapshotCodec(sealer), policyFor: snapshotPolicyFor },
  });
}
