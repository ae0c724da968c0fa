import { Controller, type RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { defineRoute, ROUTE_CONTRACT, Route, type RouteContract } from '../contract/route-contract';
import { buildDocument } from './openapi-document';

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
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || !wrapper.metatype) continue;
      const prefix = normalisePath(this.reflector.get<string>('path', wrapper.metatype) ?? '');
      // The console's HTML pages and forms are for people in a browser, not part of the callers' contract.
      if (prefix.startsWith('/console')) continue;
      for (const methodName of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const handler = (instance as Record<string, unknown>)[methodName] as object;
        const contract = this.reflector.get<RouteContract | undefined>(ROUTE_CONTRACT, handler as never);
        if (contract) {
          if (prefix) throw new Error(`${wrapper.metatype.name}: a controller of contract routes has no path prefix (the contract holds the full path)`);
          contracts.push(contract);
          continue;
        }
        // Every route callers reach has a contract: one without could answer what the document does not say.
        if (this.reflector.get<RequestMethod | undefined>('method', handler as never) !== undefined) {
          throw new Error(`${wrapper.metatype.name}.${methodName}: a route without a contract (see contract/route-contract.ts)`);
        }
      }
    }
    return buildDocument(contracts);
  }
}

function normalisePath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '';
}
