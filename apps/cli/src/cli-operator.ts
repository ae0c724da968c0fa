import type { Operator } from '@accounts/projections/ops/operator-trail';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `--actor` option the projections commands share. */
export interface ActorOption {
  actor?: string;
}

export const ACTOR_OPTION = {
  flags: '--actor <userId>',
  description: 'your user id, recorded in the operator trail (default: ACCOUNTS_ACTOR_ID; without either, the action names no person)',
};

/**
 * Who runs the CLI, for the operator trail: the user id given with `--actor`, else `ACCOUNTS_ACTOR_ID`, else nobody
 * (the trail then says only that it came from the CLI). Only the id's shape is checked; the value is never echoed,
 * as an operator could type an address by mistake. The login name (`USER`) stays where it always went, a retry's
 * `requested_by`, and never reaches the trail.
 */
export function cliOperator(options: ActorOption): Operator {
  const given = options.actor ?? (process.env['ACCOUNTS_ACTOR_ID'] || undefined);
  if (given !== undefined && !UUID.test(given)) throw new Error('--actor (or ACCOUNTS_ACTOR_ID) must be your user id, a UUID.');
  return { door: 'cli', actorId: given?.toLowerCase(), login: process.env['USER'] ?? 'operator' };
}
