import type { Pool } from 'pg';
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
 * What operators may ask of the projections, from the CLI or over HTTP. Each call only records the wish in the
 * registry; the process that holds the projection's lease carries it out within a tick, so an operator never writes
 * a projection's store beside the process that owns it.
 */
export class ProjectionOperations {
  readonly registry: ProjectionRegistry;

  constructor(pool: Pool) {
    this.registry = new ProjectionRegistry(pool);
  }

  /** Starts a blue/green rebuild, or returns the one under way (which resumes where it stopped). */
  rebuild(name: string): Promise<{ version: number; resumed: boolean }> {
    return this.known(name, () => this.registry.requestRebuild(name));
  }

  pause(name: string): Promise<void> {
    return this.known(name, () => this.registry.setPaused(name, true));
  }

  resume(name: string): Promise<void> {
    return this.known(name, () => this.registry.setPaused(name, false));
  }

  /** Asks the running process to apply the projection's dead letters again; returns the request's id. */
  retryDeadLetters(name: string, requestedBy: string): Promise<string> {
    return this.known(name, () => this.registry.requestRetry(name, requestedBy));
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

  private async known<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (!(PROJECTION_NAMES as readonly string[]).includes(name)) throw new ProjectionNotFoundError();
    try {
      return await work();
    } catch (error) {
      if (error instanceof UnknownProjectionError) throw new ProjectionNotFoundError();
      throw error;
    }
  }
}
