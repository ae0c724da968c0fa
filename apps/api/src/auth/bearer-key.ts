import type { CallingService, ServiceKeys } from './service-keys';

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

/** What each request's key was found to be, so the budget hook and the guard hash it once between them. */
const found = new WeakMap<object, CallingService | null>();

/** The calling service named by the request's `Authorization: Bearer <key>`, or undefined for a missing or unknown key. */
export function callingServiceOf(request: { headers: { authorization?: string | string[] } }, keys: ServiceKeys): CallingService | undefined {
  let service = found.get(request);
  if (service === undefined) {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    service = (match ? keys.authenticate(match[1]!) : undefined) ?? null;
    found.set(request, service);
  }
  return service ?? undefined;
}
