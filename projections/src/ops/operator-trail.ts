import type { Pool, PoolClient } from 'pg';

/** What operators may do to a projection, as the trail, the console's forms and the HTTP routes name it. */
export const OPERATOR_ACTIONS = ['rebuild', 'pause', 'resume', 'retry-dead-letters'] as const;
export type OperatorActionName = (typeof OPERATOR_ACTIONS)[number];

/**
 * What an action did: a pause or resume that found the projection already so, a rebuild started or one under way
 * joined, a retry requested. 'unrecorded' marks the console's rows from before the trail kept outcomes (0019).
 */
export const OPERATOR_OUTCOMES = ['paused', 'already_paused', 'resumed', 'already_running', 'started', 'joined', 'requested', 'unrecorded'] as const;
export type OperatorOutcome = (typeof OPERATOR_OUTCOMES)[number];

/**
 * Who acted, and through which door. Ids only: the trail is read by audit reviewers and listed over HTTP, so it holds
 * no name, address or IP. The CLI's login name goes only where it always went (a retry's `requested_by`).
 */
export type Operator =
  | { door: 'http'; service: string; actorId: string | undefined }
  | { door: 'console'; actorId: string }
  | { door: 'cli'; actorId: string | undefined; login: string };

/** A retry request's `requested_by` (projection_requests), as each door wrote it before the trail existed. */
export function requestedBy(operator: Operator): string {
  if (operator.door === 'http') return `service:${operator.service}`;
  if (operator.door === 'console') return `console:${operator.actorId}`;
  return `cli:${operator.login}`;
}

export interface OperatorActionDone {
  action: OperatorActionName;
  projection: string;
  outcome: OperatorOutcome;
  version?: number;
  requestId?: string;
}

export interface OperatorActionRecord {
  id: string;
  at: string;
  door: Operator['door'];
  service: string | null;
  actorId: string | null;
  action: OperatorActionName;
  projection: string;
  outcome: OperatorOutcome;
  version: number | null;
  requestId: string | null;
}

/**
 * Records an action in `client`'s transaction, the one that carried it out (ProjectionOperations), so an action is
 * never done without its row nor recorded without being done.
 */
export async function recordOperatorAction(client: PoolClient, operator: Operator, done: OperatorActionDone): Promise<void> {
  await client.query(
    `INSERT INTO operator_actions (door, service, actor_id, action, projection, outcome, version, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      operator.door,
      operator.door === 'http' ? operator.service : null,
      operator.actorId ?? null,
      done.action,
      done.projection,
      done.outcome,
      done.version ?? null,
      done.requestId ?? null,
    ],
  );
}

/** A page of the trail, newest first; `before` is the id of the last row of the previous page. */
export async function readOperatorActions(pool: Pool, page: { limit: number; before?: string }): Promise<{ items: OperatorActionRecord[]; more: boolean }> {
  const { rows } = await pool.query<{
    id: string;
    at: Date;
    door: Operator['door'];
    service: string | null;
    actor_id: string | null;
    action: OperatorActionName;
    projection: string;
    outcome: OperatorOutcome;
    version: number | null;
    request_id: string | null;
  }>(
    `SELECT id, at, door, service, actor_id, action, projection, outcome, version, request_id
       FROM operator_actions WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`,
    [page.before ?? null, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map((row) => ({
    id: row.id,
    at: row.at.toISOString(),
    door: row.door,
    service: row.service,
    actorId: row.actor_id,
    action: row.action,
    projection: row.projection,
    outcome: row.outcome,
    version: row.version,
    requestId: row.request_id,
  }));
  return { items, more: rows.length > page.limit };
}
