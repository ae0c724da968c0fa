import type { Pool } from 'pg';
import type { ProjectedEvent } from './projected-event';

export interface DeadLetter {
  projection: string;
  version: number;
  event: Pick<ProjectedEvent, 'id' | 'type' | 'streamName' | 'position'>;
  /** The error's class and code: never a message that could quote the event's data. */
  reason: string;
}

/**
 * Parks events that a projection outside PostgreSQL (Redis, OpenSearch) could not apply, in the same
 * `projection_dead_letters` table the PostgreSQL projections use, so operators see and retry them in one place.
 */
export class DeadLetterRecorder {
  constructor(private readonly pool: Pool) {}

  async record(letter: DeadLetter): Promise<void> {
    await this.pool.query(
      `INSERT INTO projection_dead_letters
         (projection, version, event_id, event_type, stream_name, position_commit, position_prepare, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (projection, version, event_id) DO UPDATE SET error = EXCLUDED.error, failed_at = now(), resolved_at = NULL`,
      [
        letter.projection,
        letter.version,
        letter.event.id,
        letter.event.type,
        letter.event.streamName,
        letter.event.position.commit.toString(),
        letter.event.position.prepare.toString(),
        letter.reason,
      ],
    );
  }
}
