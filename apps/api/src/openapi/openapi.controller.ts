import { Controller, RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { z } from 'zod';
import { PUBLIC_ROUTE, REQUIRED_SCOPE } from '../auth/requires-scope.decorator';
import type { Scope } from '../auth/service-keys';
import { STATUS_BY_CODE } from '../http/problem';
import { defineRoute, ROUTE_CONTRACT, Route, type RouteContract } from '../contract/route-contract';
import { ROUTE_DOCUMENTATION, type RouteDocumentation } from './documented.decorator';
import { buildDocument } from './openapi-document';

const COMMON_ERRORS = ['unauthorized', 'forbidden', 'validation_failed', 'internal_error'] as const;
const COMMAND_ERRORS = ['idempotency_key_reused', 'concurrency_conflict'] as const;

export const OpenApiRoute = defineRoute({
  id: 'openApiDocument',
  summary: 'This document',
  method: 'GET',
  path: '/openapi.json',
  scope: 'public',
  responses: { 200: { raw: ['application/json'], schema: { type: 'object' } } },
});

/**
 * `/openapi.json`, built from the routes Nest knows and the schemas they validate with (zod → JSON Schema), so the
 * document always describes the running code.
 */
@Controller()
export class OpenApiController {
  private document: unknown;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  @Route(OpenApiRoute)
  openApi() {
    this.document ??= this.build();
    return this.document;
  }

  private build() {
    const contracts: RouteContract[] = [];
    const legacy: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || !wrapper.metatype) continue;
      const prefix = normalisePath(this.reflector.get<string>('path', wrapper.metatype) ?? '');
      for (const methodName of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const handler = (instance as Record<string, unknown>)[methodName] as object;
        const contract = this.reflector.get<RouteContract | undefined>(ROUTE_CONTRACT, handler as never);
        if (contract) {
          if (prefix) throw new Error(`${wrapper.metatype.name}: a controller of contract routes has no path prefix (the contract holds the full path)`);
          contracts.push(contract);
          continue;
        }
        const routePath = this.reflector.get<string | undefined>('path', handler as never);
        const method = this.reflector.get<RequestMethod | undefined>('method', handler as never);
        if (routePath === undefined || method === undefined) continue;
        this.addLegacy(legacy, wrapper.metatype, handler, methodName, prefix, routePath, method);
      }
    }
    return buildDocument(contracts, legacy);
  }

  /**
   * A route still documented by `@Documented` (not yet converted to a contract, see contract/route-contract.ts):
   * described as before, and marked `x-contract: false` so the tests' response check skips it.
   */
  private addLegacy(legacy: Record<string, Record<string, Record<string, unknown>>>, metatype: object, handler: object, methodName: string, prefix: string, routePath: string, method: RequestMethod) {
    const documentation = this.reflector.get<RouteDocumentation | undefined>(ROUTE_DOCUMENTATION, handler as never);
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler as never, metatype as never]);
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, [handler as never, metatype as never]);
    const status = this.reflector.get<number | undefined>('__httpCode__', handler as never) ?? (method === RequestMethod.POST ? 201 : 200);
    const fullPath = (prefix + normalisePath(routePath)).replace(/:(\w+)/g, '{$1}') || '/';
    const verb = RequestMethod[method].toLowerCase();
    const isCommand = ['post', 'patch', 'put', 'delete'].includes(verb) && !isPublic;
    const errorCodes = isPublic ? [] : [...COMMON_ERRORS, ...(isCommand ? COMMAND_ERRORS : []), ...(documentation?.errors ?? [])];
    legacy[fullPath] ??= {};
    legacy[fullPath][verb] = {
      operationId: `${(metatype as { name: string }).name.replace(/(Http)?Controller$/, '')}_${methodName}`,
      summary: documentation?.summary ?? methodName,
      'x-contract': false,
      ...(scope ? { security: [{ serviceKey: [] }], 'x-required-scope': scope } : { security: [] }),
      parameters: [
        ...[...fullPath.matchAll(/\{(\w+)\}/g)].map((match) => ({ name: match[1], in: 'path', required: true, schema: { type: 'string' } })),
        ...(isCommand ? [{ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', maxLength: 200 } }] : []),
        ...(isPublic ? [] : [{ name: 'X-Actor-Id', in: 'header', required: false, schema: { type: 'string', format: 'uuid' } }]),
      ],
      ...(documentation?.body ? { requestBody: { required: true, content: { 'application/json': { schema: stripDialect(z.toJSONSchema(documentation.body, { io: 'input' })) } } } } : {}),
      responses: {
        [status]: documentation?.response
          ? { description: 'Success', content: { 'application/json': { schema: stripDialect(z.toJSONSchema(documentation.response, { io: 'output' })) } } }
          : { description: 'Success' },
        ...Object.fromEntries(
          [...new Set(errorCodes)].map((code) => [
            String(STATUS_BY_CODE[code]),
            { description: errorCodes.filter((c) => STATUS_BY_CODE[c] === STATUS_BY_CODE[code]).join(', '), content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
          ]),
        ),
      },
    };
  }
}

function stripDialect(schema: Record<string, unknown>) {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

function normalisePath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '';
}
