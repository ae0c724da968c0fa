/**
 * One contract per route: method, path, scope, params, query, headers, body, every response and the error codes.
 * The route validates its input with it (`@Input()`), Nest routes by it (`@Route()`), and `/openapi.json` is built
 * from it (apps/api/src/openapi/openapi-document.ts), so the three cannot say different things.
 *
 * HOW TO WRITE A ROUTE (every route callers reach has one; the document refuses a route without it)
 * 1. Beside the controller, `export const XRoute = defineRoute({...})`:
 *    - `id`: a unique camelCase operationId (`addMember`); `summary`: one line for the document;
 *    - `method`, `path`: the FULL path (`/v1/organizations/:id/members`), and the class is `@Controller()`;
 *    - `scope`: the service key's scope the route needs, or `'public'`;
 *    - `command: true` for an idempotent command (Idempotency-Key, X-Event-Position, the stored response replayed);
 *    - `actor: 'required'` when the command acts for an end user (X-Actor-Id), `'optional'` when it may;
 *    - `readsFrom`: the projection a query reads (X-Consistent-With);
 *    - `params: { id: PathId }`, `query`, `headers` (lower-case names), `body`: zod schemas;
 *    - `responses: { 201: ResponseSchema }` (every status the route answers itself; `null` for no body,
 *      `raw('text/plain')` for non-JSON), `errors`: every code the route's own code paths and its decider throw.
 *      Codes every route can answer (auth, limits, idempotency) are added for you (`commonErrors`).
 * 2. Decorate the method with `@Route(XRoute)` (path, status, scope, idempotency, consistency).
 * 3. Take one `@Input() input: RouteInput<typeof XRoute>` (`input.params.id`, `input.body`, ...); `@Envelope()`,
 *    `@Ctx()` stay.
 * 4. `npm run openapi:generate`: rewrites test/client/openapi.json and api-types.ts,
 *    which test/client/openapi-files.spec.ts holds to the running service.
 * Every HTTP test then checks each response against the document (test/support/openapi-check.ts): a status, content
 * type, declared header or body the contract does not allow fails the test, naming the operation.
 */
import { applyDecorators, createParamDecorator, type ExecutionContext, HttpCode, RequestMapping, RequestMethod, SetMetadata, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z, type ZodType } from 'zod';
import type { ProjectionName } from '@accounts/projections/consistency/consistency-gate';
import { PublicRoute, RequiresScope } from '../auth/requires-scope.decorator';
import type { Scope } from '../auth/service-keys';
import { CommandResponseInterceptor } from '../commands/command-route';
import { ProblemError, type ErrorCode } from '../http/problem';
import { validationProblem } from '../http/validation-problem';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ReadsFrom } from '../queries/consistent-with';

export const ROUTE_CONTRACT = 'accounts:route-contract';

/** A body that is not JSON (an image, NDJSON, Prometheus text): its media types, and optionally its JSON Schema. */
export interface RawContent {
  raw: readonly string[];
  schema?: Record<string, unknown>;
}
export const raw = (...mediaTypes: string[]): RawContent => ({ raw: mediaTypes, schema: { type: 'string' } });

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContract {
  id: string;
  summary: string;
  method: HttpMethod;
  /** Nest's form, `/v1/users/:id`; the document writes `{id}`. */
  path: `/${string}`;
  scope: Scope | 'public';
  /** Idempotent command: Idempotency-Key required, X-Event-Position on success, the stored response replayed. */
  command?: boolean;
  /** X-Actor-Id: 'required' for commands acting for an end user. Absent: not read by the route. */
  actor?: 'required' | 'optional';
  /** The projection a query reads: X-Consistent-With is honoured for it. */
  readsFrom?: ProjectionName;
  params?: Record<string, ZodType>;
  query?: z.ZodObject;
  /** Headers the route itself reads, lower-case names (the standard ones above are declared by their flags). */
  headers?: z.ZodObject;
  body?: ZodType | RawContent;
  /** Every status the route answers itself, with its body: a zod schema (JSON), `null` (no body) or raw content. */
  responses: Record<number, ZodType | RawContent | null>;
  /** Codes of problems the route answers beyond the ones every route of its kind has (see `commonErrors`). */
  errors?: readonly ErrorCode[];
}

/** Returns the contract as given, typed exactly, so `RouteInput<typeof X>` knows its fields. */
export function defineRoute<const C extends RouteContract>(contract: C): C {
  const success = Object.keys(contract.responses).map(Number).filter((status) => status < 300);
  if (success.length !== 1) throw new Error(`route ${contract.id}: exactly one 2xx response expected`);
  return contract;
}

export const isRaw = (content: unknown): content is RawContent => typeof content === 'object' && content !== null && Array.isArray((content as RawContent).raw);

export const successStatus = (contract: RouteContract) => Number(Object.keys(contract.responses).find((status) => Number(status) < 300));

/** The codes every route of the contract's kind can answer: auth, hostile input, budgets, idempotency, outages. */
export function commonErrors(contract: RouteContract): ErrorCode[] {
  // Hostile input is refused before any route, public ones included (http/input-limits.ts): a query string too.
  if (contract.scope === 'public') return ['validation_failed', 'input_too_complex', 'internal_error'];
  const hasJsonBody = contract.body !== undefined && !isRaw(contract.body);
  return [
    'unauthorized',
    'forbidden',
    'validation_failed',
    'input_too_complex',
    'rate_limited',
    'internal_error',
    'service_unavailable',
    ...(contract.params ? (['malformed_request'] as const) : []),
    ...(hasJsonBody ? (['malformed_request', 'payload_too_large', 'unsupported_media_type'] as const) : []),
    // An actor that is not an active user is refused by every decider that reads one.
    ...(contract.actor ? (['user_not_found'] as const) : []),
    ...(contract.command ? (['idempotency_key_reused', 'idempotency_key_in_flight', 'idempotent_response_erased', 'concurrency_conflict'] as const) : []),
    // A command's events larger than the event store takes in one append (EventStoreDB's MaxAppendSize), whatever
    // the body's size: the same request would fail again.
    ...(contract.command ? (['payload_too_large'] as const) : []),
    ...(contract.readsFrom ? (['projection_lagging'] as const) : []),
  ];
}

const VERB: Record<HttpMethod, RequestMethod> = {
  GET: RequestMethod.GET,
  POST: RequestMethod.POST,
  PUT: RequestMethod.PUT,
  PATCH: RequestMethod.PATCH,
  DELETE: RequestMethod.DELETE,
};

/** Routes the method by its contract: path, status, scope, idempotency, consistency; and records the contract. */
export function Route(contract: RouteContract): MethodDecorator {
  return applyDecorators(
    SetMetadata(ROUTE_CONTRACT, contract),
    RequestMapping({ path: contract.path, method: VERB[contract.method] }),
    HttpCode(successStatus(contract)),
    contract.scope === 'public' ? PublicRoute() : RequiresScope(contract.scope),
    ...(contract.readsFrom ? [ReadsFrom(contract.readsFrom)] : []),
    ...(contract.command ? [UseInterceptors(IdempotencyInterceptor, CommandResponseInterceptor)] : []),
  );
}

type Output<T> = T extends ZodType ? z.output<T> : undefined;

/** What `@Input()` hands the method: every part of the request its contract names, parsed by the contract's schemas. */
export interface RouteInput<C extends RouteContract> {
  params: { [K in keyof C['params']]: C['params'][K] extends ZodType ? z.output<C['params'][K]> : never };
  query: Output<C['query']>;
  headers: Output<C['headers']>;
  body: C['body'] extends ZodType ? z.output<C['body']> : C['body'] extends RawContent ? Buffer : undefined;
}

function parsed<T extends ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error.issues as never);
  return result.data;
}

/** A path parameter that names nothing the service could have is a 400, as for an unknown route. */
function parsedParam(name: string, schema: ZodType, value: unknown): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw new ProblemError('malformed_request', `The path parameter ${name} ${schema.description ?? 'is not valid'}.`);
  return result.data;
}

/** The request's parts, parsed by the route's contract (422 `validation_failed`, 400 for a bad path parameter). */
export const Input = createParamDecorator((_data: unknown, context: ExecutionContext): RouteInput<RouteContract> => {
  const contract = Reflect.getMetadata(ROUTE_CONTRACT, context.getHandler()) as RouteContract | undefined;
  if (!contract) throw new Error('@Input() needs @Route(contract) on the same method');
  return parseInput(contract, context.switchToHttp().getRequest<FastifyRequest>());
});

/** What `@Input()` hands a Nest route, and contract/plain-route.ts a plain Fastify one: the same parsing for both. */
export function parseInput<C extends RouteContract>(contract: C, request: FastifyRequest): RouteInput<C> {
  const pathParams = (request.params ?? {}) as Record<string, unknown>;
  const params = contract.params ? Object.fromEntries(Object.entries(contract.params).map(([name, schema]) => [name, parsedParam(name, schema, pathParams[name])])) : {};
  let headers: unknown;
  if (contract.headers) {
    // Only the headers the contract names, and only those the request has (a header the schema marks optional).
    const named: Record<string, unknown> = {};
    for (const name of Object.keys(contract.headers.shape)) if (request.headers[name] !== undefined) named[name] = request.headers[name];
    headers = parsed(contract.headers, named);
  }
  return {
    params,
    query: contract.query ? parsed(contract.query, request.query ?? {}) : undefined,
    headers,
    body: contract.body === undefined ? undefined : isRaw(contract.body) ? (Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)) : parsed(contract.body, request.body),
  } as RouteInput<C>;
}
