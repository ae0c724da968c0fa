import { z, type ZodType } from 'zod';
import { commonErrors, isRaw, type RawContent, type RouteContract } from '../contract/route-contract';
import { type ErrorCode, STATUS_BY_CODE } from '../http/problem';

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON Schema and OpenAPI objects are plain JSON */
type Json = Record<string, any>;

const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** zod → JSON Schema 2020-12 (what OpenAPI 3.1 speaks), without the `$schema` line a document must not repeat. */
function jsonSchema(schema: ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

// Response headers: `required` where every such answer carries one, so the tests' check can insist on it.
const CORRELATION_HEADER = { description: 'The request\'s correlation id (the caller\'s, or a new one)', required: true, schema: { type: 'string', pattern: '^[\\w.:-]{1,128}$' } };
const EVENT_POSITION_HEADER = {
  description: 'Position of the last event appended (absent when the command appended nothing); pass it as X-Consistent-With',
  required: false,
  schema: { type: 'string', pattern: '^\\d{1,20}-\\d{1,20}$' },
};
const RETRY_AFTER_HEADER = { description: 'Seconds until a retry may succeed', required: true, schema: { type: 'string', pattern: '^\\d{1,10}$' } };

function content(body: ZodType | RawContent, io: 'input' | 'output'): Json {
  if (isRaw(body)) return Object.fromEntries(body.raw.map((mediaType) => [mediaType, { schema: body.schema ?? {} }]));
  return { 'application/json': { schema: jsonSchema(body, io) } };
}

function parameters(contract: RouteContract): Json[] {
  const fromObject = (schema: z.ZodObject | undefined, where: 'query' | 'header') => {
    if (!schema) return [];
    const object = jsonSchema(schema, 'input');
    const required = new Set<string>(object.required ?? []);
    return Object.entries(object.properties ?? {}).map(([name, property]) => ({ name, in: where, required: required.has(name), schema: property }));
  };
  return [
    ...Object.entries(contract.params ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema: jsonSchema(schema, 'input') })),
    ...fromObject(contract.query, 'query'),
    ...fromObject(contract.headers, 'header'),
    ...(contract.command ? [{ name: 'Idempotency-Key', in: 'header', required: true, description: 'A fresh key for every new command; a repeat returns the first answer', schema: { type: 'string', minLength: 1, maxLength: 200 } }] : []),
    ...(contract.actor
      ? [{ name: 'X-Actor-Id', in: 'header', required: contract.actor === 'required', description: 'The end user the service acts for', schema: { type: 'string', format: 'uuid' } }]
      : []),
    ...(contract.readsFrom ? [{ name: 'X-Consistent-With', in: 'header', required: false, description: 'Wait (at most 5 s) until the read model has this X-Event-Position', schema: { type: 'string' } }] : []),
    { name: 'X-Correlation-Id', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\w.:-]{1,128}$' } },
  ];
}

function problemResponse(codes: ErrorCode[]): Json {
  const status = STATUS_BY_CODE[codes[0]!];
  return {
    description: codes.join(', '),
    headers: { 'X-Correlation-Id': CORRELATION_HEADER, ...(status === 429 || status === 503 ? { 'Retry-After': RETRY_AFTER_HEADER } : {}) },
    content: {
      [PROBLEM_MEDIA_TYPE]: { schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { code: { type: 'string', enum: codes } } }] } },
    },
  };
}

/** One operation of the document, from one route contract. */
export function operationOf(contract: RouteContract): Json {
  const responses: Json = {};
  for (const [status, body] of Object.entries(contract.responses)) {
    const success = Number(status) < 300;
    responses[status] = {
      description: success ? 'Success' : `Answered by the route (${status})`,
      headers: { 'X-Correlation-Id': CORRELATION_HEADER, ...(success && contract.command ? { 'X-Event-Position': EVENT_POSITION_HEADER } : {}) },
      ...(body ? { content: content(body, 'output') } : {}),
    };
  }
  const errors = [...new Set([...commonErrors(contract), ...(contract.errors ?? [])])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errors) byStatus.set(STATUS_BY_CODE[code], [...(byStatus.get(STATUS_BY_CODE[code]) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    if (responses[status]) throw new Error(`route ${contract.id}: status ${status} is both a response and an error (${codes.join(', ')})`);
    responses[status] = problemResponse(codes);
  }
  return {
    operationId: contract.id,
    summary: contract.summary,
    ...(contract.scope === 'public' ? { security: [] } : { security: [{ serviceKey: [] }], 'x-required-scope': contract.scope }),
    parameters: parameters(contract),
    ...(contract.body ? { requestBody: { required: true, content: content(contract.body, 'input') } } : {}),
    responses,
  };
}

/** The whole document: every contract's operation, under its path and method. */
export function buildDocument(contracts: RouteContract[]): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const ids = new Set<string>();
  for (const contract of contracts) {
    if (ids.has(contract.id)) throw new Error(`two routes have the operationId ${contract.id}`);
    ids.add(contract.id);
    const path = openApiPath(contract.path);
    paths[path] ??= {};
    paths[path][contract.method.toLowerCase()] = operationOf(contract);
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: { title: 'accounts event service', version: '1', description: 'Commands, queries and operations of the identity service (../shared/API.md).' },
    servers: [{ url: '/' }],
    paths: sorted,
    components: {
      securitySchemes: { serviceKey: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            // Each response narrows it to the codes that operation answers with at that status.
            code: { type: 'string', pattern: '^[a-z][a-z_]*$' },
            detail: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}
