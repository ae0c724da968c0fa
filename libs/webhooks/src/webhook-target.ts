import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { WebhookTargetCheck } from '@accounts/domain';

/**
 * Addresses a webhook must never reach unless private targets are allowed: this host, the private networks, link-local
 * (cloud metadata services live there), unique-local, shared (CGNAT), multicast, reserved and unspecified ranges.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** An IPv4 address carried inside an IPv6 one (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  for (const prefix of ['::ffff:', '64:ff9b::']) {
    if (!lower.startsWith(prefix)) continue;
    const rest = lower.slice(prefix.length);
    if (isIP(rest) === 4) return rest;
    const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(rest);
    if (hex) {
      const value = (parseInt(hex[1]!, 16) << 16) | parseInt(hex[2]!, 16);
      return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
    }
  }
  return undefined;
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) {
    const inner = embeddedIpv4(address);
    return inner !== undefined ? PRIVATE.check(inner, 'ipv4') : PRIVATE.check(address, 'ipv6');
  }
  return true; // not an address at all: never trusted
}

export interface ResolvedTarget {
  check: WebhookTargetCheck;
  /** The checked addresses, in the resolver's order: a delivery connects to one of these, never resolves again. */
  addresses: { address: string; family: 4 | 6 }[];
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Where a webhook URL's host resolves, every address checked: one private address refuses the whole name (a name
 * with a public and a private address would otherwise reach the private one half the time).
 */
export async function resolveWebhookTarget(url: string, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<ResolvedTarget> {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return { check: { verdict: 'unresolvable' }, addresses: [] };
  }
  let found: { address: string; family: number }[];
  if (isIP(hostname)) {
    found = [{ address: hostname, family: isIP(hostname) }];
  } else {
    try {
      found = await resolve(hostname);
    } catch {
      return { check: { verdict: 'unresolvable' }, addresses: [] };
    }
  }
  const addresses = found.map(({ address, family }) => ({ address, family: family === 6 ? (6 as const) : (4 as const) }));
  if (addresses.length === 0) return { check: { verdict: 'unresolvable' }, addresses };
  if (!allowPrivate && addresses.some(({ address }) => isPrivateAddress(address))) return { check: { verdict: 'private' }, addresses };
  return { check: { verdict: 'allowed' }, addresses };
}
