import { createHmac, type KeyObject } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { isErrorCode, ProblemError, problemDocument, STATUS_BY_CODE } from '../http/problem';
import type { ContextualRequest } from '../http/request-context';
import { AssumedFactError, ClaimNotGrantedError, type EventStore, type IdempotencyClaimRequest, isClaimingAppender } from '@accounts/event-store';
import type { PendingClaim } from '@accounts/aggregates';
import { EVENT_STORE } from '../infrastructure/tokens';
import { DeferredClaim } from './deferred-claim';
import { type Claim, IdempotencyStore, RESPONSE_ERASED, type StoredResponse } from './idempotency-store';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
/** Response headers a replay must carry again. */
const REPLAYED_HEADERS = ['x-event-position', 'location'];
/**
 * Outcomes a repeat should not replay: those that depend on timing (it should try again), and invalid input (the
 * caller may fix the body and reuse its key, since nothing was decided).
 */
const NOT_REPLAYED = new Set(['validation_failed', 'concurrency_conflict', 'idempotency_key_in_flight', 'internal_error', 'service_unavailable']);

export interface IdempotentRequest extends ContextualRequest {
  /**
   * Whose personal data the response holds (a user, an invitation), set by the route (`Handled.aboutUser`): the stored
   * response is sealed with that subject's data key and deleted with their erasure. The one rule for what is sealed:
   * a response with a subject is; one without is stored as sent, so a route answering personal data names its subject.
   */
  idempotencySubject?: string;
  /** Seed for the command's ids and event ids: the same for every repeat of this request (see AggregateStore). */
  commandIdSeed?: string;
  /** The key, when the route claims it with its append (`ClaimWithAppend`) instead of before it runs. */
  pendingClaim?: PendingClaim;
}

const RERUN_ON_REPEAT = 'accounts:rerun-on-repeat';
const RERUN_MARKER = { $rerun: true };

/**
 * For responses that must never be stored (a new session's token): the record keeps only the request's fingerprint,
 * and a repeat runs the command again, which gives the same answer because its ids (and the token) are derived from
 * the request, and appends nothing because its events are already there.
 */
export const RerunOnRepeat = () => SetMetadata(RERUN_ON_REPEAT, true);

const CLAIM_WITH_APPEND = 'accounts:claim-with-append';

/**
 * For routes whose only write is one aggregate-store append (organization commands): on PostgreSQL the key is
 * claimed by that append, and the facts about users assumed and checked by it, so a command is two round trips (the
 * append, then its stored response) instead of five. A command that appends nothing claims and stores its answer in
 * one call at the end; a key found claimed or completed then is answered as if found first (409, the stored
 * response, 422), the command's own decision discarded. Routes that write anything else before appending must not
 * use it: their writes would run before the key is claimed.
 */
export const ClaimWithAppend = () => SetMetadata(CLAIM_WITH_APPEND, true);

/** HMAC key for request fingerprints: bodies hold passwords, so a plain hash would be guessable. */
export const IDEMPOTENCY_FINGERPRINT_KEY = Symbol('IDEMPOTENCY_FINGERPRINT_KEY');

/**
 * `Idempotency-Key` on every command: the first response (success or a definite refusal) is stored and returned to
 * every repeat with the same body; the same key with another body is 422 `idempotency_key_reused`.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    @Inject(IDEMPOTENCY_FINGERPRINT_KEY) private readonly fingerprintKey: KeyObject,
    private readonly reflector: Reflector,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const rerun = this.reflector.get<boolean>(RERUN_ON_REPEAT, context.getHandler()) === true;
    const withAppend = this.reflector.get<boolean>(CLAIM_WITH_APPEND, context.getHandler()) === true && isClaimingAppender(this.eventStore);
    return from(this.run(request, reply, next, rerun, withAppend));
  }

  private async run(request: IdempotentRequest, reply: FastifyReply, next: CallHandler, rerun: boolean, withAppend: boolean): Promise<unknown> {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new ProblemError('validation_failed', 'Commands need an Idempotency-Key header of 1 to 200 visible characters.', [
        { field: 'Idempotency-Key', message: 'required: 1 to 200 visible ASCII characters' },
      ]);
    }
    const service = request.accountsContext!.service.name;
    const owner = { service, actor: request.accountsContext!.actorId ?? '' };
    // The actor is part of the fingerprint too, and so of the ids derived from it: another actor's run of the same
    // key and body is a different command, never recognised as a repeat of this one.
    const fingerprint = createHmac('sha256', this.fingerprintKey)
      .update(`${request.method}\n${request.url.split('?')[0]}\n${owner.actor}\n${canonicalJson(request.body)}`)
      .digest('hex');

    request.commandIdSeed = `${service}\u0000${key}\u0000${fingerprint}`;
    const claimRequest = this.store.claimRequest(owner, key, fingerprint);
    if (withAppend) return this.runClaimingWithAppend(request, reply, next, claimRequest);
    let claim = await this.store.claim(claimRequest);
    if (claim.outcome === 'replay' && isRerunMarker(claim.response.body)) claim = { outcome: 'claimed' };
    if (claim.outcome !== 'claimed') return this.answer(claim, reply);

    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      // The re-run marker holds nothing and is never sealed: idempotency_claim (SQL) reads it to claim such a key again.
      const stored = rerun ? { body: RERUN_MARKER, subject: undefined } : { body, subject: request.idempotencySubject };
      await this.store.complete(claimRequest, { statusCode: reply.statusCode, body: stored.body, headers: replayedHeaders(reply) }, stored.subject);
      return body;
    } catch (error) {
      await this.settleFailed(claimRequest, error, request.idempotencySubject);
      throw error;
    }
  }

  /**
   * A claimed run that failed: a definite refusal is stored for repeats; anything else (an outage, a conflict, bad
   * input) gives the key back, so the caller's retry runs at once instead of meeting its own claim as in flight.
   */
  private async settleFailed(claimRequest: IdempotencyClaimRequest, error: unknown, subjectId: string | undefined): Promise<void> {
    const refusal = storedRefusal(error);
    if (refusal) await this.store.complete(claimRequest, refusal, subjectId);
    else await this.store.release(claimRequest);
  }

  /** See ClaimWithAppend: the key is claimed by the command's append, or at the end with the answer. */
  private async runClaimingWithAppend(request: IdempotentRequest, reply: FastifyReply, next: CallHandler, claimRequest: IdempotencyClaimRequest): Promise<unknown> {
    let pending = new DeferredClaim(claimRequest, true);
    request.pendingClaim = pending;
    const handle = async () => {
      try {
        return { body: await lastValueFrom(next.handle(), { defaultValue: undefined }) };
      } catch (error) {
        return { error };
      }
    };
    let ran = await handle();
    // Decided on facts assumed but never checked (nothing was appended), or on one that failed: decide again, read.
    if ((ran.error instanceof AssumedFactError || (pending.outcome === undefined && pending.facts.streams.length > 0)) && !(ran.error instanceof ClaimNotGrantedError)) {
      pending = new DeferredClaim(pending.request, false);
      request.pendingClaim = pending;
      ran = await handle();
    }
    const { error } = ran;
    if (error instanceof ClaimNotGrantedError) return this.answer(error.claim, reply);
    if (pending.outcome?.outcome === 'claimed') {
      // Claimed by the append: the rest is as for a key claimed first.
      if (!('error' in ran)) {
        await this.store.complete(claimRequest, { statusCode: reply.statusCode, body: ran.body, headers: replayedHeaders(reply) }, request.idempotencySubject);
        return ran.body;
      }
      await this.settleFailed(claimRequest, error, request.idempotencySubject);
      throw error;
    }
    // Nothing was appended: the answer is stored with the claim, unless the key is someone else's.
    const refusal = 'error' in ran ? storedRefusal(error) : undefined;
    if ('error' in ran && !refusal) {
      // Not an answer to keep (a conflict, an outage, bad input): a key already used still answers as it would.
      const claim = await this.store.claim(claimRequest);
      if (claim.outcome !== 'claimed') return this.answer(claim, reply);
      await this.store.release(claimRequest);
      throw error;
    }
    const response = refusal ?? { statusCode: reply.statusCode, body: ran.body, headers: replayedHeaders(reply) };
    const claim = await this.store.claimAndComplete(claimRequest, response, request.idempotencySubject);
    if (claim.outcome !== 'claimed') return this.answer(claim, reply);
    if ('error' in ran) throw error;
    return ran.body;
  }

  /** The response a claim found (opened, if it was sealed), or its refusal, as the first request's answer. */
  private async answer(claim: Exclude<Claim, { outcome: 'claimed' }>, reply: FastifyReply): Promise<unknown> {
    if (claim.outcome === 'fingerprint_mismatch') {
      throw new ProblemError('idempotency_key_reused', 'This Idempotency-Key was used with a different request.');
    }
    if (claim.outcome === 'in_flight') {
      throw new ProblemError('idempotency_key_in_flight', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    }
    const opened = await this.store.open(claim.response);
    if (opened === RESPONSE_ERASED) {
      // The response was about a person who has since been erased (their erasure deletes such records; this one was
      // stored by a command that finished during the erasure, or read before its deletion). The command did take
      // effect, so running it again would be wrong, and its answer is gone with the person's key: 410, as a resource
      // that existed and was deliberately removed, with a stable code and nothing about the person. Not a 5xx: a
      // retry would get the same answer.
      throw new ProblemError('idempotent_response_erased', 'The response to this Idempotency-Key concerned data that has since been erased; it cannot be returned again.');
    }
    const { statusCode, body, headers } = opened;
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    void reply.header('idempotent-replayed', 'true').status(statusCode);
    if (statusCode >= 400) void reply.header('content-type', 'application/problem+json; charset=utf-8');
    return body;
  }
}

function replayedHeaders(reply: FastifyReply): Record<string, string> {
  return Object.fromEntries(
    REPLAYED_HEADERS.flatMap((name) => {
      const value = reply.getHeader(name);
      return value === undefined ? [] : [[name, String(value)]];
    }),
  );
}

/** A definite refusal a repeat gets back (stored), or undefined for an outcome that depends on timing or input. */
function storedRefusal(error: unknown): StoredResponse | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !isErrorCode(code) || NOT_REPLAYED.has(code) || STATUS_BY_CODE[code] >= 500) return undefined;
  const problem = problemDocument(code, (error as Error).message, (error as ProblemError).errors);
  return { statusCode: problem.status, body: problem, headers: {} };
}

/**
 * JSON with object keys sorted, so the same request in another key order is the same request. Iterative, with its
 * own stack: a body nested a few thousand deep must not overflow the call stack (that was a 500).
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  const out: string[] = [];
  // Pending work, last first: a value still to write, or punctuation already decided.
  const pending: ({ text: string } | { value: unknown })[] = [{ value }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if ('text' in next) {
      out.push(next.text);
      continue;
    }
    const current = next.value;
    if (Array.isArray(current)) {
      pending.push({ text: ']' });
      for (let i = current.length - 1; i >= 0; i--) {
        pending.push({ value: current[i] ?? null }); // JSON.stringify writes holes and undefined in arrays as null
        if (i > 0) pending.push({ text: ',' });
      }
      pending.push({ text: '[' });
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current as Record<string, unknown>)
        .filter(([, inner]) => inner !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      pending.push({ text: '}' });
      for (let i = entries.length - 1; i >= 0; i--) {
        pending.push({ value: entries[i]![1] });
        pending.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(entries[i]![0])}:` });
      }
      pending.push({ text: '{' });
    } else {
      out.push(JSON.stringify(current) ?? 'null');
    }
  }
  return out.join('');
}

function isRerunMarker(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>).$rerun === true;
}
