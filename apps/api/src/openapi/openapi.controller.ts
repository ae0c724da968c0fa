import { Controller, type RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { controllerMethods } from '../contract/controller-methods';
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
    for (const { controller, name, method } of controllerMethods(this.discovery, this.scanner)) {
      const prefix = normalisePath(this.reflector.get<string>('path', controller) ?? '');
      // The console's HTML pages and forms are for people in a browser, not part of the callers' contract.
      if (prefix.startsWith('/console')) continue;
      const contract = this.reflector.get<RouteContract | undefined>(ROUTE_CONTRACT, method);
      if (contract) {
        if (prefix) throw new Error(`${controller.name}: a controller of contract routes has no path prefix (the contract holds the full path)`);
        contracts.push(contract);
        continue;
      }
      // Every route callers reach has a contract: one without could answer what the document does not say.
      if (this.reflector.get<RequestMethod | undefined>('method', method) !== undefined) {
        throw new Error(`${controller.name}.${name}: a route without a contract (see contract/route-contract.ts)`);
      }
    }
    return buildDocument(contracts);
  }
}

function normalisePath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '';
}
