import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@accounts/database';
import { type Operator, type OperatorActionDone, recordOperatorAction, requestedBy } from './operator-trail';
import { ProjectionRegistry, UnknownProjectionError } from '../runtime/projection-registry';

/** The projections operators can act on. */
export const PROJECTION_NAMES = ['read_model', 'sessions', 'search', 'erasure', 'invitations', 'mail'] as const;
export type ProjectionName = (typeof PROJECTION_NAMES)[number];

/** An operator named a projection that does not exist. Carries the service's error code. */
export class ProjectionNotFoundError extends Error {
  readonly code = 'projection_not_found';
  constructor() {
    super(`No such projection; known: ${PROJECTION_NAMES.join(', ')}.`);
    this.name = 'ProjectionNotFoundError';
  }
}

/**
 * What operators may ask of the projections, from the CLI, the console or over HTTP. Each call only records the wish
 * in the registry; the process that holds the projection's lease carries it out within a tick, so an operator never
 * writes a projection's store beside the process that owns it. Each wish is written to the operator trail
 * (operator-trail.ts) in the same transaction as the registry's change, so the two cannot disagree. A projection that
 * does not exist is refused (ProjectionNotFoundError) and recorded nowhere: nothing was done, and the name is
 * whatever the caller typed, which a trail of ids must not keep.
 */
export class ProjectionOperations {
  readonly registry: ProjectionRegistry;

  constructor(private readonly pool: Pool) {
    this.registry = new ProjectionRegistry(pool);
  }

  /** Starts a blue/green rebuild, or returns the one under way (which resumes where it stopped). */
  rebuild(name: string, operator: Operator): Promise<{ version: number; resumed: boolean }> {
    // Several statements (a lock, a read, an insert), already one transaction: the trail's row joins it.
    return this.recorded(name, operator, async (client) => {
      const rebuild = await this.registry.requestRebuild(name, client);
      return { result: rebuild, done: { action: 'rebuild', outcome: rebuild.resumed ? 'joined' : 'started', version: rebuild.version } };
    });
  }

  pause(name: string, operator: Operator): Promise<void> {
    return this.recorded(name, operator, async (client) => {
      const { changed } = await this.registry.setPaused(name, true, client);
      return { result: undefined, done: { action: 'pause', outcome: changed ? 'paused' : 'already_paused' } };
    });
  }

  resume(name: string, operator: Operator): Promise<void> {
    return this.recorded(name, operator, async (client) => {
      const { changed } = await this.registry.setPaused(name, false, client);
      return { result: undefined, done: { action: 'resume', outcome: changed ? 'resumed' : 'already_running' } };
    });
  }

  /** Asks the running process to apply the projection's dead letters again; returns the request's id. */
  retryDeadLetters(name: string, operator: Operator): Promise<string> {
    return this.recorded(name, operator, async (client) => {
      const requestId = await this.registry.requestRetry(name, requestedBy(operator), client);
      return { result: requestId, done: { action: 'retry-dead-letters', outcome: 'requested', requestId } };
    });
  }

  /** Waits for a retry request to be carried out; undefined if it was not within `timeoutMs`. */
  async waitForRequest(id: string, timeoutMs: number): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const request = await this.registry.request(id);
      if (request?.finished) return request.outcome;
      if (Date.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Runs `work` on a known projection in one transaction with the trail's row of what it did. */
  private async recorded<T>(
    name: string,
    operator: Operator,
    work: (client: PoolClient) => Promise<{ result: T; done: Omit<OperatorActionDone, 'projection'> }>,
  ): Promise<T> {
    if (!(PROJECTION_NAMES as readonly string[]).includes(name)) throw new ProjectionNotFoundError();
    try {
      return await inTransaction(this.pool, async (client) => {
        const { result, done } = await work(client);
        await recordOperatorAction(client, operator, { ...done, projection: name });
        return result;
      });
    } catch (error) {
      if (error instanceof UnknownProjectionError) throw new ProjectionNotFoundError();
      throw error;
    }
  }
}
