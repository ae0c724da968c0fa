import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../http/request-context';
import { type CommandContext, type PendingClaim, derivedUuid } from '@accounts/aggregates';

/**
 * Everything a command carries besides its own data: who (service, its scopes, actor), why (correlation and
 * causation ids), when, from where (the client IP, sealed later), and the seed that makes its ids repeatable. Built
 * once by the route (`@Envelope()`); nothing of HTTP goes further than it.
 */
export class CommandEnvelope {
  readonly now: string;

  constructor(
    readonly context: RequestContext,
    /** Derived from the calling service, its Idempotency-Key and the request: the same for every repeat. */
    readonly idSeed: string | undefined,
    now = new Date(),
    /** The Idempotency-Key, when the route claims it with its append (`ClaimWithAppend`). */
    readonly claim?: PendingClaim,
  ) {
    this.now = now.toISOString();
  }

  /** `X-Actor-Id`, lower case (the guard normalised it). */
  get actorId(): string | undefined {
    return this.context.actorId;
  }

  /** The key may act for any user (support and compliance tools). */
  get mayManageUsers(): boolean {
    return this.context.service.scopes.has('users:manage');
  }

  /** A new id for something this command creates (a user, an organization, a session): repeatable across repeats. */
  newId(purpose: string): string {
    return this.idSeed ? derivedUuid(this.idSeed, 'id', purpose) : randomUUID();
  }

  /** The aggregate store's context; `ipSubject` is whose personal data the client IP is (actor, else the subject). */
  forAggregates(ipSubject?: string): CommandContext {
    const { service, actorId, correlationId, requestId, clientIp } = this.context;
    const subject = actorId ?? ipSubject;
    return {
      metadata: {
        occurredAt: this.now,
        correlationId,
        causationId: requestId,
        ...(actorId ? { actorId } : {}),
        service: service.name,
        ...(clientIp && subject ? { clientIp: { ip: clientIp, subjectId: subject } } : {}),
      },
      ...(this.idSeed ? { idSeed: this.idSeed } : {}),
      ...(this.claim ? { claim: this.claim } : {}),
    };
  }

  requireActor(): string {
    if (!this.context.actorId) throw new MissingActorError();
    return this.context.actorId;
  }
}

/** Commands on organizations act for an end user; without X-Actor-Id no permission rule can be checked. */
export class MissingActorError extends Error {
  readonly code = 'validation_failed';
  readonly fieldErrors = [{ field: 'X-Actor-Id', message: 'required: the user on whose behalf the service acts' }];
  constructor() {
    super('This command needs X-Actor-Id.');
    this.name = 'MissingActorError';
  }
}
