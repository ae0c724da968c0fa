import type { ProjectionReport } from '@accounts/projections/ops/projection-status';
import { diffStates, entityPage, flatten } from '../../apps/api/src/console/audit-pages';
import { CONTENT_SECURITY_POLICY } from '../../apps/api/src/console/console-http';
import { html, layout } from '../../apps/api/src/console/html';
import { etaSeconds, heldBackBy, lagChart } from '../../apps/api/src/console/operations-page';

/** The console's pure parts: escaping, the state diff, what holds a projection back, the rebuild's ETA. No I/O. */
const report = (over: Partial<ProjectionReport> = {}): ProjectionReport => ({
  name: 'read_model',
  version: 1,
  state: 'live',
  paused: false,
  checkpoint: null,
  eventsProcessed: 0,
  lagEvents: 0,
  lagEventsCapped: false,
  lagSeconds: 0,
  deadLetters: 0,
  updatedAt: '2026-12-01T00:00:00.000Z',
  owner: { holder: 'host:1', heartbeatAgeSeconds: 0.5 },
  ...over,
});

describe('console pages', () => {
  test('every interpolated value is escaped: event data cannot open a tag or an attribute', () => {
    const hostile = '<script>alert(1)</script>" onmouseover="x';
    const page = entityPage({
      kind: 'organizations',
      id: '00000000-0000-4000-8000-000000000000',
      events: [{ streamName: 's', revision: '0', position: '1-1', type: 'OrganizationCreated', occurredAt: 't', actor: hostile, service: hostile, correlationId: hostile, causationId: null, data: { name: hostile } }],
      current: { at: hostile, revision: '0', occurredAt: 't', state: { name: hostile } },
      compare: { at: '0', revision: null, occurredAt: null, state: {} },
      masked: true,
      mayReveal: true,
      csrf: hostile,
    }).text;
    expect(page).not.toContain('<script');
    expect(page).not.toContain('" onmouseover="');
    expect(page).toContain('&lt;script&gt;');
    expect(layout(hostile, undefined, html``)).not.toContain('<script>alert');
  });

  test('pages carry no inline script or style, which the policy forbids', () => {
    const page = layout('Operations', { userId: 'u', role: 'admin', csrf: 'c', mayOperate: true, mayReveal: false }, html`<p>x</p>`, { script: true });
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(page).not.toMatch(/<style|\sstyle=/);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });

  test('the diff names each changed field with both sides, nested fields by path', () => {
    const before = { email: 'a', members: { u1: { role: 'member' } }, plan: 'free' };
    const after = { email: 'b', members: { u1: { role: 'admin' }, u2: { role: 'member' } }, plan: 'free' };
    expect(diffStates(before, after)).toEqual([
      { field: 'email', before: 'a', after: 'b' },
      { field: 'members.u1.role', before: 'member', after: 'admin' },
      { field: 'members.u2.role', before: '—', after: 'member' },
    ]);
    expect(diffStates(before, before)).toEqual([]);
    expect([...flatten({ a: { b: 1, c: null }, d: {} })]).toEqual([['a.b', '1'], ['a.c', 'null'], ['d', '{}']]);
  });

  test('what holds a projection back, in words', () => {
    expect(heldBackBy(report(), undefined)).toBe('nothing');
    expect(heldBackBy(report({ lagEvents: 3 }), undefined)).toBe('catching up');
    expect(heldBackBy(report({ paused: true, owner: null, deadLetters: 2 }), undefined)).toBe('paused by an operator; no running process owns it; 2 dead-lettered events');
    expect(heldBackBy(report({ state: 'building' }), undefined, true)).toBe('paused by an operator');
    expect(heldBackBy(report(), { invisibleEvents: 5, heldSeconds: 12.4, holder: { pid: 42, database: 'x', state: 'idle in transaction' } } as never)).toBe(
      'transaction pid 42 hides 5 committed events (12 s)',
    );
  });

  test("a rebuild's ETA follows its pace since it started", () => {
    const startedAt = '2026-12-01T00:00:00.000Z';
    const now = Date.parse(startedAt) + 30_000;
    expect(etaSeconds(report({ state: 'building', progress: 0.25, startedAt }), now)).toBe(90);
    expect(etaSeconds(report({ state: 'building', progress: 0, startedAt }), now)).toBeUndefined();
    expect(etaSeconds(report({ state: 'building', progress: 1, startedAt }), now)).toBe(0);
  });

  test('the lag chart says its numbers in words', () => {
    const now = Date.now();
    const chart = lagChart('search', [{ at: now - 60_000, lagEvents: 4, lagSeconds: 1 }, { at: now, lagEvents: 0, lagSeconds: 0 }], now).text;
    expect(chart).toContain('peak 4 events, now 0 events');
    expect(chart).toContain('<polyline');
    expect(lagChart('search', [], now).text).toContain('No lag samples yet');
  });
});
