import type { Pool } from 'pg';
import type { RedisClient } from '@accounts/config';
import { comparePositions, parsePosition, type Position } from '@accounts/event-store';
import { SessionKeys } from '../sessions/session-keys';

/** The projections a query can wait for. */
export type ProjectionName = 'read_model' | 'sessions' | 'search' | 'invitations' | 'webhooks';

/**
 * Read-your-writes (`X-Consistent-With`): waits until a projection's live version has processed a position. It polls
 * the checkpoint where the projection stores it, so it works whether the projector runs in this process or another.
 */
export class ConsistencyGate {
  constructor(
    private readonly pool: Pool,
    private readonly redis: RedisClient,
  ) {}

  /** True once `projection` has processed `position`; false if `timeoutMs` passed first. */
  async waitFor(projection: ProjectionName, position: Position, timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let pause = 5;
    for (;;) {
      const checkpoint = await this.checkpoint(projection);
      if (checkpoint && comparePositions(checkpoint, position) >= 0) return true;
      if (Date.now() + pause > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 50);
    }
  }

  async checkpoint(projection: ProjectionName): Promise<Position | undefined> {
    if (projection === 'sessions') {
      const version = (await this.redis.get(SessionKeys.LIVE_VERSION)) ?? '1';
      const stored = await this.redis.get(SessionKeys.forVersion(Number(version)).checkpoint());
      return stored ? parsePosition(stored) : undefined;
    }
    const { rows } = await this.pool.query<{ position_commit: string | null; position_prepare: string | null }>(
      `SELECT position_commit, position_prepare FROM projection_checkpoints WHERE projection = $1 AND state = 'live'`,
      [projection],
    );
    const row = rows[0];
    return row?.position_commit != null ? { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare!) } : undefined;
  }
}
