import createClient, { type Client } from 'openapi-fetch';
import type { TestApp } from '../support/app';
import type { paths } from './api-types';

/**
 * The typed client generated from `/openapi.json` (openapi-typescript + openapi-fetch), sending through the test
 * app's `request` (Fastify's inject, and the document check every suite response gets). A request the document does
 * not describe does not compile.
 */
export function apiClient(t: TestApp, options: { key?: string | null } = {}): Client<paths> {
  return createClient<paths>({
    baseUrl: 'http://accounts.test',
    fetch: async (request: Request) => {
      const url = new URL(request.url);
      const headers = Object.fromEntries(request.headers.entries());
      const text = request.body ? await request.text() : undefined;
      const response = await t.request(request.method, `${url.pathname}${url.search}`, {
        headers,
        ...(text !== undefined ? { body: text } : {}),
        ...(options.key !== undefined ? { key: options.key } : {}),
      });
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : String(value));
      const nullBody = response.status === 204 || response.status === 304;
      return new Response(nullBody ? null : response.text, { status: response.status, headers: responseHeaders });
    },
  });
}
