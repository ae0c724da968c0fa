import { Controller, Get, HttpCode, RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { z } from 'zod';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, PublicRoute } from '../auth/requires-scope.decorator';
import type { Scope } from '../auth/service-keys';
import { STATUS_BY_CODE } from '../http/problem';
import { ROUTE_DOCUMENTATION, type RouteDocumentation } from './documented.decorator';

const COMMON_ERRORS = ['unauthorized', 'forbidden', 'validation_failed', 'internal_error'] as const;
const COMMAND_ERRORS = ['idempotency_key_reused', 'concurrency_conflict'] as const;

/**
 * `/openapi.json`, built from the routes Nest knows and the schemas they validate with (zod → JSON Schema), so the
 * document always describes the running code.
 */
@Controller()
@PublicRoute()
export class OpenApiController {
  private document: unknown;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  @Get('openapi.json')
  @HttpCode(200)
  openApi() {
    this.document ??= this.build();
    return this.document;
  }

  private build() {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || !wrapper.metatype) continue;
      const prefix = normalisePath(this.reflector.get<string>('path', wrapper.metatype) ?? '');
      for (const methodName of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const handler = (instance as Record<string, unknown>)[methodName] as object;
        const routePath = this.reflector.get<string | undefined>('path', handler as never);
        const method = this.reflector.get<RequestMethod | undefined>('method', handler as never);
        if (routePath === undefined || method === undefined) continue;
        const documentation = this.reflector.get<RouteDocumentation | undefined>(ROUTE_DOCUMENTATION, handler as never);
        const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler as never, wrapper.metatype]);
        const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, [handler as never, wrapper.metatype]);
        const status = this.reflector.get<number | undefined>('__httpCode__', handler as never) ?? (method === RequestMethod.POST ? 201 : 200);
        const fullPath = (prefix + normalisePath(routePath)).replace(/:(\w+)/g, '{$1}') || '/';
        // The console's HTML pages and forms are for people in a browser, not part of the callers' contract.
        if (fullPath.startsWith('/console')) continue;
        const verb = RequestMethod[method].toLowerCase();
        const isCommand = ['post', 'patch', 'put', 'delete'].includes(verb) && !isPublic;
        const errorCodes = isPublic ? [] : [...COMMON_ERRORS, ...(isCommand ? COMMAND_ERRORS : []), ...(documentation?.errors ?? [])];
        paths[fullPath] ??= {};
        paths[fullPath][verb] = {
          summary: documentation?.summary ?? methodName,
          ...(scope ? { security: [{ serviceKey: [] }], 'x-required-scope': scope } : {}),
          parameters: [
            ...[...fullPath.matchAll(/\{(\w+)\}/g)].map((match) => ({ name: match[1], in: 'path', required: true, schema: { type: 'string' } })),
            ...(isCommand ? [{ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', maxLength: 200 } }] : []),
            ...(isPublic ? [] : [{ name: 'X-Actor-Id', in: 'header', required: false, schema: { type: 'string', format: 'uuid' } }]),
          ],
          ...(documentation?.body
            ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(documentation.body, { io: 'input' }) } } } }
            : {}),
          responses: {
            [status]: documentation?.response
              ? { description: 'Success', content: { 'application/json': { schema: z.toJSONSchema(documentation.response, { io: 'output' }) } } }
              : { description: 'Success' },
            ...Object.fromEntries(
              [...new Set(errorCodes)].map((code) => [
                `${STATUS_BY_CODE[code]}-${code}`.split('-')[0]!,
                { description: errorCodes.filter((c) => STATUS_BY_CODE[c] === STATUS_BY_CODE[code]).join(', '), content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
              ]),
            ),
          },
        };
      }
    }
    return {
      openapi: '3.1.0',
      info: { title: 'accounts event service', version: '1' },
      paths,
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
              code: { type: 'string', enum: Object.keys(STATUS_BY_CODE) },
              detail: { type: 'string' },
              errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
            },
          },
        },
      },
    };
  }
}

function normalisePath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '';
}
