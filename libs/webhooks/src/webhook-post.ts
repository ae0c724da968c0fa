import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

/** A 2xx within this long is a success; anything slower is a failed attempt (API.md). */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** How much of a receiver's answer is kept, for operators: enough to see an error's gist, never a whole page. */
export const RESPONSE_EXCERPT_CHARS = 256;

export type PostOutcome =
  | { kind: 'answered'; status: number; durationMs: number; excerpt: string }
  /** No HTTP answer: the error's class (`timeout`, `connection_refused`, …), never its message. */
  | { kind: 'failed'; error: string; durationMs: number };

export interface WebhookPost {
  url: string;
  /** The address the target check approved: the connection goes there, the name is not resolved again. */
  address: { address: string; family: 4 | 6 };
  headers: Record<string, string>;
  body: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

function errorClass(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection_reset';
  if (code === 'ETIMEDOUT' || (error as Error).name === 'TimeoutError') return 'timeout';
  if (code === 'ABORT_ERR' || (error as Error).name === 'AbortError') return 'aborted';
  if (typeof code === 'string' && (code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('ERR_SSL'))) return 'tls_error';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
  return 'network_error';
}

/**
 * One POST to a receiver. Redirects are not followed (a 3xx is an answer like any other non-2xx: a redirect could
 * lead to a private address), the whole exchange has 10 s, and at most a short excerpt of the body is read.
 */
export function postWebhook(post: WebhookPost): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(post.url);
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [post.address]);
    else callback(null, post.address.address, post.address.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const timeout = AbortSignal.timeout(post.timeoutMs ?? DELIVERY_TIMEOUT_MS);
  const signal = post.signal ? AbortSignal.any([timeout, post.signal]) : timeout;
  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const request = send(
      url,
      {
        method: 'POST',
        lookup,
        signal,
        agent: false,
        headers: { ...post.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(post.body), 'user-agent': 'accounts-webhooks/1' },
      },
      (response: IncomingMessage) => {
        let excerpt = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (excerpt.length < RESPONSE_EXCERPT_CHARS) excerpt += chunk.slice(0, RESPONSE_EXCERPT_CHARS - excerpt.length);
          if (excerpt.length >= RESPONSE_EXCERPT_CHARS) response.destroy(); // the rest is not ours to read
        });
        const answered = () => finish({ kind: 'answered', status: response.statusCode ?? 0, durationMs: elapsed(), excerpt });
        response.on('end', answered);
        response.on('close', answered);
        response.on('error', answered);
      },
    );
    request.on('error', (error) => finish({ kind: 'failed', error: timeout.aborted ? 'timeout' : errorClass(error), durationMs: elapsed() }));
    request.end(post.body);
  });
}
