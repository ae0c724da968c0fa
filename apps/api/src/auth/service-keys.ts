import { createHash, timingSafeEqual } from 'node:crypto';

/** What a calling service may do. A key carries one or more. */
/** `users:manage`: may act for any user (support and compliance tools), where others act only for their X-Actor-Id. */
/** `webhooks`: may manage webhook endpoints, read their deliveries and ask for replays. */
/** `events`: may read the feed of integration events (GET /v1/events). */
export const SCOPES = ['commands', 'queries', 'sessions', 'audit', 'audit:pii', 'ops', 'users:manage', 'events', 'webhooks'] as const;
export type Scope = (typeof SCOPES)[number];

/** Requests a key may make per second when its entry names no budget of its own. */
export const DEFAULT_REQUESTS_PER_SECOND = 1000;

export interface CallingService {
  name: string;
  scopes: ReadonlySet<Scope>;
  /** Requests per second this key may make (`:<n>/s` in its entry). */
  requestsPerSecond: number;
  /** Whether this key may tell the end user's IP in `X-Client-Ip` (`:client-ip` in its entry). */
  sendsClientIp: boolean;
}

interface KeyEntry extends CallingService {
  keyHash: Buffer;
}

const BUDGET = /^([1-9]\d{0,6})\/s$/;
const CLIENT_IP_FLAG = 'client-ip';

/**
 * The configured API keys (`SERVICE_KEYS`: `service:sha256-hex-of-key:scope+scope[:<n>/s][:client-ip]`,
 * comma-separated). Only hashes are configured, so a leaked configuration does not leak keys; a presented key is
 * hashed and compared in constant time against every entry.
 */
export class ServiceKeys {
  private constructor(private readonly entries: KeyEntry[]) {}

  static parse(config: string): ServiceKeys {
    const entries = config
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part, index) => {
        const [name, hash, rest] = splitEntry(part);
        const { scopes, requestsPerSecond, sendsClientIp } = splitOptions(rest);
        if (!name || !hash || !/^[0-9a-f]{64}$/i.test(hash) || !scopes) {
          throw new Error(`SERVICE_KEYS entry ${index + 1} is not service:sha256-hex:scope+scope[:<n>/s][:client-ip]`);
        }
        const list = scopes.split('+');
        const unknown = list.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
        if (unknown.length > 0) throw new Error(`SERVICE_KEYS entry ${index + 1} has unknown scopes: ${unknown.join(', ')}`);
        return { name, keyHash: Buffer.from(hash, 'hex'), scopes: new Set(list as Scope[]), requestsPerSecond, sendsClientIp };
      });
    return new ServiceKeys(entries);
  }

  /** The service a presented key belongs to, or undefined. */
  authenticate(presentedKey: string): CallingService | undefined {
    const hash = createHash('sha256').update(presentedKey, 'utf8').digest();
    let found: KeyEntry | undefined;
    for (const entry of this.entries) {
      // No early exit: the time taken does not depend on which entry matched.
      if (timingSafeEqual(entry.keyHash, hash)) found = entry;
    }
    return found && { name: found.name, scopes: found.scopes, requestsPerSecond: found.requestsPerSecond, sendsClientIp: found.sendsClientIp };
  }
}

/** `name:hash:rest`, where the rest (scopes and options) may itself contain colons (`audit:pii`, `:100/s`). */
function splitEntry(entry: string): [string, string, string] {
  const first = entry.indexOf(':');
  const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
  if (second < 0) return ['', '', ''];
  return [entry.slice(0, first), entry.slice(first + 1, second), entry.slice(second + 1)];
}

/** Options trail the scopes: `commands+audit:pii:50/s:client-ip` is the scopes, a budget of 50/s, and the flag. */
function splitOptions(rest: string): { scopes: string; requestsPerSecond: number; sendsClientIp: boolean } {
  const segments = rest.split(':');
  let requestsPerSecond = DEFAULT_REQUESTS_PER_SECOND;
  let sendsClientIp = false;
  for (;;) {
    const last = segments.at(-1) ?? '';
    const budget = BUDGET.exec(last);
    if (budget) requestsPerSecond = Number(budget[1]);
    else if (last === CLIENT_IP_FLAG) sendsClientIp = true;
    else break;
    segments.pop();
  }
  return { scopes: segments.join(':'), requestsPerSecond, sendsClientIp };
}
