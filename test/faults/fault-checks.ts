import type { RecordedEvent } from '@accounts/event-store';
import type { TestApp, TestResponse } from '../support/app';

/**
 * What every fault test checks after the fault: callers saw only a success, a rule's 4xx (problem+json with a
 * stable code), or 503 `service_unavailable` with Retry-After; never a 500, never a bare error.
 */
export function expectOnlyRuledOutcomes(responses: TestResponse[]): void {
  const unruled = responses.filter((response) => {
    if (response.status < 400) return false;
    const coded = typeof response.body?.code === 'string' && String(response.headers['content-type']).startsWith('application/problem+json');
    if (response.status === 503) return !(coded && response.body.code === 'service_unavailable' && response.headers['retry-after'] !== undefined);
    return response.status >= 500 || !coded;
  });
  expect(unruled.map((response) => `${response.status} ${response.text.slice(0, 200)}`)).toEqual([]);
}

/** No log line carries any of these values (emails, IPs, tokens), in any case. */
export function expectNoPersonalDataInLogs(logs: string[], values: string[]): void {
  const haystack = logs.join('').toLowerCase();
  expect(values.filter((value) => haystack.includes(value.toLowerCase()))).toEqual([]);
}

/**
 * Waits until the read model holds `expectedUsers` users (the projectors caught up after the fault), then returns
 * every event in the store and the read model's user ids, to compare the two.
 */
export async function settle(t: TestApp, expectedUsers: number, timeoutMs = 60_000): Promise<{ events: RecordedEvent[]; readModel: string[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await t.database.pool.query<{ id: string }>('SELECT id FROM users WHERE erased_at IS NULL');
    if (rows.length >= expectedUsers || Date.now() > deadline) return { events: await t.allEvents(), readModel: rows.map((row) => row.id) };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Polls readiness until it answers `status` (or the time is up), and returns the last answer. */
export async function readinessWithin(t: TestApp, status: number, ms: number): Promise<TestResponse> {
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await t.request('GET', '/health/ready', { key: null });
    if (response.status === status || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
