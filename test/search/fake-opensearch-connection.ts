/**
 * A stand-in for the OpenSearch client's HTTP connection: records every request the client sends and answers from
 * a scripted handler, so tests assert what goes over the wire (paths, mappings, bulk lines) without a cluster.
 */
import { Readable } from 'node:stream';
import { Client, Connection, errors } from '@opensearch-project/opensearch';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body; for bulk (ndjson), the array of parsed lines. */
  body: unknown;
}

export type Answer = { status: number; body?: unknown } | 'unreachable';
export type Handler = (request: RecordedRequest) => Answer;

export function fakeOpenSearch(handler: Handler) {
  const requests: RecordedRequest[] = [];
  class FakeConnection extends Connection {
    override request(params: Parameters<Connection['request']>[0], callback: Parameters<Connection['request']>[1]) {
      const text = typeof params.body === 'string' ? params.body : Buffer.isBuffer(params.body) ? params.body.toString('utf8') : '';
      const path = params.path ?? '/';
      const recorded: RecordedRequest = {
        method: params.method ?? 'GET',
        path,
        query: new URLSearchParams(params.querystring ?? ''),
        body: text === '' ? undefined : path.endsWith('/_bulk') ? text.trim().split('\n').map((line) => JSON.parse(line)) : JSON.parse(text),
      };
      requests.push(recorded);
      const answer = handler(recorded);
      process.nextTick(() => {
        if (answer === 'unreachable') return callback(new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'), null);
        const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
        const response = Object.assign(Readable.from(payload === '' ? [] : [payload]), {
          statusCode: answer.status,
          headers: { 'content-type': 'application/json; charset=UTF-8' },
        });
        callback(null, response as never);
      });
      return { abort: () => undefined } as never;
    }
  }
  // No retries: a scripted failure must reach the code under test as it is.
  const client = new Client({ node: 'http://opensearch.test:9200', Connection: FakeConnection as never, maxRetries: 0 });
  return { client, requests };
}

/** A bulk response whose items answer each action line in order. */
export function bulkAnswer(statuses: { status: number; type?: string }[]): Answer {
  return {
    status: 200,
    body: {
      took: 1,
      errors: statuses.some((s) => s.status >= 300),
      items: statuses.map(({ status, type }) => ({
        index: { status, ...(type ? { error: { type, reason: 'scripted' } } : { result: 'created', _version: 1 }) },
      })),
    },
  };
}
