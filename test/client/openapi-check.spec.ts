import { z } from 'zod';
import { defineRoute } from '../../apps/api/src/contract/route-contract';
import { PathId } from '../../apps/api/src/http/ids';
import { buildDocument } from '../../apps/api/src/openapi/openapi-document';
import { DocumentCheck } from '../support/openapi-check';

/** The response check the test app runs on every answer: it must fail loudly, naming the operation and what differs. */
describe('the response check against the document', () => {
  const route = defineRoute({
    id: 'renameThing',
    summary: 'Rename a thing',
    method: 'PATCH',
    path: '/v1/things/:id',
    scope: 'commands',
    command: true,
    actor: 'required',
    params: { id: PathId },
    body: z.strictObject({ name: z.string() }),
    responses: { 200: z.object({ id: z.uuid(), name: z.string() }) },
    errors: ['organization_not_found'],
  });
  const check = new DocumentCheck(buildDocument([route]));
  const url = '/v1/things/7d0b8f53-5a9e-4a43-9a6e-0d5f3c1c9a11';
  const CORRELATION = { 'x-correlation-id': 'c0ffee-1' };
  const json = (status: number, body: unknown, type = 'application/json', headers: Record<string, string> = CORRELATION) => ({
    status,
    headers: { 'content-type': `${type}; charset=utf-8`, ...headers },
    text: JSON.stringify(body),
  });
  const problem = (status: number, code: string) => json(status, { type: 't', title: 't', status, code, detail: 'd' }, 'application/problem+json');

  test('what the document says passes', () => {
    expect(check.mismatch('PATCH', url, json(200, { id: '7d0b8f53-5a9e-4a43-9a6e-0d5f3c1c9a11', name: 'x' }))).toBeUndefined();
    expect(check.mismatch('PATCH', url, problem(404, 'organization_not_found'))).toBeUndefined();
    expect(check.mismatch('PATCH', url, problem(409, 'idempotency_key_in_flight'))).toBeUndefined();
  });

  test('an unlisted status, content type, code or field is reported with the operation', () => {
    expect(check.mismatch('PATCH', url, json(201, {}))).toMatch(/^PATCH \/v1\/things\/\{id\} \(renameThing\) answered 201, which the document does not list/);
    expect(check.mismatch('PATCH', url, { status: 200, headers: { 'content-type': 'text/plain', ...CORRELATION }, text: 'ok' })).toMatch(/renameThing\) answered 200 as "text\/plain", where the document lists application\/json/);
    expect(check.mismatch('PATCH', url, problem(404, 'user_gone'))).toMatch(/renameThing\) answered 404 with a body the document does not allow: \/code must be equal to one of the allowed values \["user_not_found","organization_not_found"\]; body: /);
    expect(check.mismatch('PATCH', url, json(200, { id: '7d0b8f53-5a9e-4a43-9a6e-0d5f3c1c9a11', name: 'x', email: 'leak@example.com' }))).toMatch(/must NOT have additional properties/);
    expect(check.mismatch('PATCH', url, json(200, { id: 'not-an-id', name: 'x' }))).toMatch(/\/id must match format "uuid"/);
  });

  test('a declared header that is required and missing, or present and not as its schema says, is reported with the operation', () => {
    const thing = { id: '7d0b8f53-5a9e-4a43-9a6e-0d5f3c1c9a11', name: 'x' };
    expect(check.mismatch('PATCH', url, json(200, thing, 'application/json', { ...CORRELATION, 'x-event-position': '12-12' }))).toBeUndefined();
    // A command that appended nothing (a repeat of one already applied) answers without a position.
    expect(check.mismatch('PATCH', url, json(200, thing))).toBeUndefined();
    expect(check.mismatch('PATCH', url, json(200, thing, 'application/json', { ...CORRELATION, 'x-event-position': 'undefined' }))).toMatch(
      /^PATCH \/v1\/things\/\{id\} \(renameThing\) answered 200 with the header X-Event-Position: "undefined", which its schema does not allow/,
    );
    expect(check.mismatch('PATCH', url, json(200, thing, 'application/json', {}))).toMatch(/renameThing\) answered 200 without the header X-Correlation-Id, which the document requires/);
    expect(check.mismatch('PATCH', url, json(429, { type: 't', title: 't', status: 429, code: 'rate_limited', detail: 'd' }, 'application/problem+json'))).toMatch(
      /renameThing\) answered 429 without the header Retry-After, which the document requires/,
    );
    expect(check.mismatch('PATCH', url, json(503, { type: 't', title: 't', status: 503, code: 'service_unavailable', detail: 'd' }, 'application/problem+json', { ...CORRELATION, 'retry-after': 'soon' }))).toMatch(
      /renameThing\) answered 503 with the header Retry-After: "soon", which its schema does not allow/,
    );
    expect(check.mismatch('PATCH', url, json(503, { type: 't', title: 't', status: 503, code: 'service_unavailable', detail: 'd' }, 'application/problem+json', { ...CORRELATION, 'retry-after': '2' }))).toBeUndefined();
  });

  test('paths the document does not have are left to the routes that answer them', () => {
    expect(check.mismatch('GET', '/nowhere', json(404, {}))).toBeUndefined();
  });
});
