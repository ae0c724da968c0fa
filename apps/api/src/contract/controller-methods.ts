import type { Type } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner } from '@nestjs/core';

/** One method of a controller instance, as the route registrations and the document builder both look at it. */
export interface ControllerMethod {
  controller: Type;
  instance: object;
  name: string;
  method: (...args: unknown[]) => unknown;
}

/**
 * Every method of every controller Nest made: the one walk `/openapi.json` (every contract) and the plain routes
 * (those marked `@PlainRoute`) read their metadata from, so the two cannot see different sets of routes.
 */
export function* controllerMethods(discovery: DiscoveryService, scanner: MetadataScanner): Generator<ControllerMethod> {
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance || !wrapper.metatype) continue;
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
      yield { controller: wrapper.metatype as Type, instance, name, method: instance[name] as ControllerMethod['method'] };
    }
  }
}
