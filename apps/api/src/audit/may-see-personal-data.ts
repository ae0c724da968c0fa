import type { RequestContext } from '../http/request-context';

/** Personal data is shown unmasked only to keys that also hold `audit:pii`; every such read is recorded. */
export function maySeePersonalData(context: RequestContext): boolean {
  return context.service.scopes.has('audit:pii');
}
