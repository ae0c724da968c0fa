import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isStoreUnavailable } from '@accounts/database';
import { AppendTooLargeError } from '@accounts/event-store';
import { type ErrorCode, type FieldError, isErrorCode, problemDocument, ProblemError } from './problem';

/** Errors that carry a stable code (domain errors do) are recognised by shape, so the domain needs no HTTP import. */
interface CodedError {
  code: string;
  message: string;
  fieldErrors?: FieldError[];
}

function isCodedError(error: unknown): error is CodedError {
  return error instanceof Error && typeof (error as Partial<CodedError>).code === 'string' && isErrorCode((error as unknown as CodedError).code);
}

/** Fastify's own errors for bad bodies, mapped to our codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed_request',
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'malformed_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/** Seconds a caller should wait before retrying after an outage: a restarted store or a failover takes about this. */
const OUTAGE_RETRY_AFTER_SECONDS = 2;

/**
 * The one place where errors become HTTP responses: `application/problem+json` with a stable `code`. Only messages
 * written for callers pass through; anything unexpected becomes a bare 500, logged with its class, message and stack
 * through the scrubbing logger (an unknown error's message may carry input, and so personal data).
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    void sendProblem(host.switchToHttp().getResponse<FastifyReply>(), exception);
  }
}

const logger = new Logger('errors');

/**
 * Answers `exception` as `application/problem+json`: the filter of every Nest route and the plain Fastify routes
 * (contract/plain-route.ts) send errors through this one function.
 */
export function sendProblem(reply: FastifyReply, exception: unknown): FastifyReply {
  const problem = toProblem(exception);
  if (exception instanceof ProblemError && exception.retryAfterSeconds !== undefined) void reply.header('retry-after', String(exception.retryAfterSeconds));
  // Every 503 says when to come back, whichever store (or rule) raised it.
  if (problem.status === 503 && !reply.hasHeader('retry-after')) void reply.header('retry-after', String(OUTAGE_RETRY_AFTER_SECONDS));
  return reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
}

function toProblem(exception: unknown) {
  if (exception instanceof ProblemError) return problemDocument(exception.code, exception.detail, exception.errors);
  if (isCodedError(exception)) return problemDocument(exception.code as ErrorCode, exception.message, exception.fieldErrors);
  // The store refuses the command's events as one write too large (EventStoreDB's MaxAppendSize): the same request
  // fails again, so it is the caller's 413, not our 500. The message names no stream: only what to do.
  if (exception instanceof AppendTooLargeError) {
    return problemDocument('payload_too_large', "The events this request would record are larger than the event store takes in one write; send less in one request.");
  }
  if (isStoreUnavailable(exception)) {
    // The error's class only: a driver's message can carry a host name or a connection string.
    logger.warn(`store unavailable (${errorName(exception)})`);
    return problemDocument('service_unavailable', 'A store this request needs is unavailable; retry after the time in Retry-After.');
  }
  const fastifyCode = (exception as { code?: unknown } | undefined)?.code;
  if (typeof fastifyCode === 'string' && FASTIFY_CODES[fastifyCode]) {
    const code = FASTIFY_CODES[fastifyCode];
    return problemDocument(code, code === 'payload_too_large' ? 'The request body is too large.' : 'The request body could not be read.');
  }
  if (exception instanceof HttpException) {
    const code = STATUS_CODES[exception.getStatus()] ?? 'internal_error';
    return problemDocument(code, code === 'not_found' ? 'No such route.' : safeHttpMessage(exception));
  }
  // Class, message and stack (the logger scrubs them: a driver's message may quote a value); never the request.
  logger.error({ err: exception instanceof Error ? exception : { type: typeof exception } }, 'unhandled error');
  return problemDocument('internal_error', 'The request failed; it has been logged. Retry later.');
}

/** An error's class, never its message (which may quote input); Nest's logger takes a string, not an object. */
function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return typeof error;
  const { name } = error as { name?: unknown };
  const className = error.constructor?.name ?? 'Object';
  return typeof name === 'string' && name !== className ? `${className}/${name}` : className;
}

/** Nest's own HttpExceptions have fixed messages, never input; still, cut them short. */
function safeHttpMessage(exception: HttpException): string {
  return exception.message.slice(0, 200);
}
