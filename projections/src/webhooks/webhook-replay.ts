import type { Pool } from 'pg';
import type { EventStore, Position } from '@accounts/event-store';
import { webhookProjectionName } from './webhook-delivery.sink';

export type ReplayFrom = { time: Date } | { eventId: string };

/** `from` names no event this endpoint was sent. */
export class ReplayStartUnknownError extends Error {
  constructor() {
    super('no delivery of that event to this endpoint');
    this.name = 'ReplayStartUnknownError';
  }
}

/**
 * A replay: the endpoint's checkpoint is moved back to just before the first event asked for, so its projector
 * delivers every matching event again from there, in order, with the ids they had. The running projector notices
 * its checkpoint moved (its next conditional update fails, or its retry wait looks) and resumes from the new one.
 * The start is found in the endpoint's own delivery records: by event id, or the first event delivered at or after
 * the time (when the time is before every delivery, the endpoint's creation).
 */
export async function replayWebhook(pool: Pool, eventStore: EventStore, endpointId: string, from: ReplayFrom): Promise<{ redelivering: boolean }> {
  const found = await firstPosition(pool, endpointId, from);
  if (found === 'nothing') return { redelivering: false };
  const first = found === 'from_creation' ? undefined : found;
  // The position just before it (exclusive, as checkpoints are): the event before it in $all, whatever its type.
  const [before] = first ? await eventStore.readAll({ direction: 'backwards', from: first, maxCount: 1 }) : [];
  const start = first ? (before?.position ?? { commit: 0n, prepare: 0n }) : undefined;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    if (start) {
      await client.query(
        `UPDATE projection_checkpoints SET position_commit = $2, position_prepare = $3, updated_at = now() WHERE projection = $1`,
        [webhookProjectionName(endpointId), start.commit.toString(), start.prepare.toString()],
      );
    } else {
      // From before anything was sent: back to the endpoint's creation, where a new projector starts.
      await client.query(`UPDATE projection_checkpoints SET position_commit = NULL, position_prepare = NULL, updated_at = now() WHERE projection = $1`, [webhookProjectionName(endpointId)]);
    }
    await client.query(`DELETE FROM webhook_failures WHERE endpoint_id = $1`, [endpointId]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return { redelivering: true };
}

async function firstPosition(pool: Pool, endpointId: string, from: ReplayFrom): Promise<Position | 'from_creation' | 'nothing'> {
  const byEvent = 'eventId' in from;
  const { rows } = await pool.query<{ position_commit: string; position_prepare: string }>(
    byEvent
      ? `SELECT position_commit, position_prepare FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2 ORDER BY id LIMIT 1`
      : `SELECT position_commit, position_prepare FROM webhook_deliveries
          WHERE endpoint_id = $1 AND status <> 'endpoint_disabled' AND event_occurred_at >= $2
          ORDER BY position_commit, position_prepare LIMIT 1`,
    [endpointId, byEvent ? from.eventId : from.time],
  );
  const row = rows[0];
  if (row) return { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare) };
  if (byEvent) throw new ReplayStartUnknownError();
  const { rows: earlier } = await pool.query(`SELECT 1 FROM webhook_deliveries WHERE endpoint_id = $1 AND event_occurred_at < $2 LIMIT 1`, [endpointId, from.time]);
  // A time after every delivery: nothing to send again; a time before them all: everything since the creation.
  return earlier.length > 0 ? 'nothing' : 'from_creation';
}
