import type { AuditEvent } from '@accounts/audit';
import { Html, html } from './html';

export type EntityKind = 'users' | 'organizations';

export interface FoundEntity {
  kind: EntityKind;
  id: string;
  label: string;
}

export interface StatePoint {
  at: string;
  revision: string | null;
  occurredAt: string | null;
  state: Record<string, unknown>;
}

const KIND_LABEL: Record<EntityKind, string> = { users: 'User', organizations: 'Organization' };

export function searchPage(q: string, found: FoundEntity[] | undefined, error?: string): Html {
  return html`<form method="get" action="/console/audit" role="search" class="search">
  <label for="q">User or organization: id, email or name</label>
  <input id="q" name="q" type="search" value="${q}" maxlength="200" required autocomplete="off">
  <button type="submit">Search</button>
</form>
${error ? html`<p role="alert" class="error">${error}</p>` : ''}
${found === undefined
  ? ''
  : html`<section aria-labelledby="results-heading">
  <h2 id="results-heading">Results</h2>
  <p role="status">${found.length === 0 ? 'Nothing found.' : `${found.length} found.`}</p>
  ${found.length > 0
    ? html`<ul class="results">${found.map((entity) => html`<li><a href="/console/audit/${entity.kind}/${entity.id}">${KIND_LABEL[entity.kind]} ${entity.label}</a> <code>${entity.id}</code></li>`)}</ul>`
    : ''}
</section>`}`;
}

/** Fields of a state as path → text, for the state table and the diff. */
export function flatten(value: unknown, prefix = '', out: Map<string, string> = new Map()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, '{}');
    for (const [key, inner] of entries) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out.set(prefix, value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));
  }
  return out;
}

/** What changed between two states: every field whose text differs, with both sides. */
export function diffStates(before: Record<string, unknown>, after: Record<string, unknown>): { field: string; before: string; after: string }[] {
  const a = flatten(before);
  const b = flatten(after);
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort();
  return fields.filter((field) => a.get(field) !== b.get(field)).map((field) => ({ field, before: a.get(field) ?? '—', after: b.get(field) ?? '—' }));
}

const MAX_ROWS = 500;

export interface EntityView {
  kind: EntityKind;
  id: string;
  events: AuditEvent[];
  current: StatePoint;
  compare: StatePoint | undefined;
  masked: boolean;
  mayReveal: boolean;
  csrf: string;
  notice?: string;
  error?: string;
}

export function entityPage(view: EntityView): Html {
  const { kind, id, events, current, compare } = view;
  const base = `/console/audit/${kind}/${id}`;
  const revision = current.revision === null ? -1 : Number(current.revision);
  const last = events.length - 1;
  const step = (to: number) => (to === 0 ? `${base}?at=0` : `${base}?at=${to}&compare=${to - 1}`);
  const stateRows = [...flatten(current.state)].slice(0, MAX_ROWS);
  const diff = compare ? diffStates(compare.state, current.state) : [];
  return html`${view.notice ? html`<p role="status" class="notice">${view.notice}</p>` : ''}
${view.error ? html`<p role="alert" class="error">${view.error}</p>` : ''}
<p class="masking">Personal data is <strong>${view.masked ? 'masked' : 'shown unmasked'}</strong>.${view.masked && !view.mayReveal ? ' Only owners of the staff organization may reveal it.' : ''}</p>
${view.masked && view.mayReveal
  ? html`<form method="post" action="${base}/reveal" class="reveal">
  <input type="hidden" name="_csrf" value="${view.csrf}">
  <input type="hidden" name="at" value="${current.at}">
  ${compare ? html`<input type="hidden" name="compare" value="${compare.at}">` : ''}
  <button type="submit">Reveal personal data (recorded as PersonalDataRead)</button>
</form>`
  : ''}
<section aria-labelledby="state-heading">
  <h2 id="state-heading">State at revision ${current.revision ?? 'none'}${current.occurredAt ? html` <span class="time">(${current.occurredAt})</span>` : ''}</h2>
  <nav aria-label="Move through time" class="time-travel">
    <ul>
      <li>${revision > 0 ? html`<a href="${step(revision - 1)}" rel="prev">Earlier: revision ${revision - 1}</a>` : html`<span>Earliest revision</span>`}</li>
      <li>${revision < last ? html`<a href="${step(revision + 1)}" rel="next">Later: revision ${revision + 1}</a>` : html`<span>Latest revision</span>`}</li>
    </ul>
  </nav>
  <form method="get" action="${base}" class="at">
    <label for="at">State at (revision or ISO-8601 time)</label>
    <input id="at" name="at" value="${current.at}" maxlength="64" required>
    <label for="compare">Compare with (revision or time, optional)</label>
    <input id="compare" name="compare" value="${compare?.at ?? ''}" maxlength="64">
    <button type="submit">Show</button>
  </form>
  <table class="state">
    <caption>Fields at revision ${current.revision ?? 'none'}</caption>
    <thead><tr><th scope="col">Field</th><th scope="col">Value</th></tr></thead>
    <tbody>${stateRows.map(([field, value]) => html`<tr><th scope="row"><code>${field}</code></th><td>${value}</td></tr>`)}</tbody>
  </table>
  ${compare
    ? html`<table class="diff">
    <caption>Changes from ${compare.revision === null ? 'before the first event' : `revision ${compare.revision}`} to revision ${current.revision ?? 'none'}: ${diff.length === 0 ? 'none' : `${diff.length} field${diff.length === 1 ? '' : 's'}`}</caption>
    <thead><tr><th scope="col">Field</th><th scope="col">Before (${compare.at})</th><th scope="col">After (${current.at})</th></tr></thead>
    <tbody>${diff.slice(0, MAX_ROWS).map((row) => html`<tr><th scope="row"><code>${row.field}</code></th><td class="before">${row.before}</td><td class="after">${row.after}</td></tr>`)}</tbody>
  </table>`
    : ''}
</section>
<section aria-labelledby="timeline-heading">
  <h2 id="timeline-heading">Timeline (${events.length} event${events.length === 1 ? '' : 's'}, oldest first)</h2>
  <table class="timeline">
    <caption class="visually-hidden">Events of ${kind === 'users' ? 'the user' : 'the organization'}</caption>
    <thead><tr><th scope="col">Revision</th><th scope="col">Type</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Service</th><th scope="col">Correlation id</th><th scope="col">Data</th></tr></thead>
    <tbody>${events.slice(0, MAX_ROWS).map(
      (event) => html`<tr${event.revision === current.revision ? new Html(' class="current" aria-current="true"') : ''}>
      <td><a href="${base}?at=${event.revision}${Number(event.revision) > 0 ? `&compare=${Number(event.revision) - 1}` : ''}" aria-label="State at revision ${event.revision}">${event.revision}</a></td>
      <td>${event.type}</td><td>${event.occurredAt}</td><td><code>${event.actor ?? '—'}</code></td><td>${event.service ?? '—'}</td><td><code>${event.correlationId ?? '—'}</code></td>
      <td><code class="data">${JSON.stringify(event.data)}</code></td></tr>`,
    )}</tbody>
  </table>
</section>`;
}

export function exportPage(csrf: string, mayReveal: boolean, error?: string): Html {
  return html`${error ? html`<p role="alert" class="error">${error}</p>` : ''}
<p>Every event in the window as NDJSON (one event a line), ${mayReveal ? 'masked unless you choose otherwise' : 'with personal data masked'}.</p>
<form method="post" action="/console/audit/export" class="export">
  <input type="hidden" name="_csrf" value="${csrf}">
  <label for="from">From (ISO-8601 time, inclusive)</label>
  <input id="from" name="from" maxlength="64" placeholder="2026-12-01T00:00:00Z">
  <label for="to">To (ISO-8601 time, inclusive)</label>
  <input id="to" name="to" maxlength="64" placeholder="2026-12-01T23:59:59Z">
  <label for="type">Event types (comma-separated, optional)</label>
  <input id="type" name="type" maxlength="500" placeholder="UserRegistered,UserLoggedIn">
  ${mayReveal ? html`<div class="check"><input id="unmasked" name="unmasked" type="checkbox" value="1"><label for="unmasked">Unmasked (recorded as PersonalDataRead)</label></div>` : ''}
  <button type="submit">Download export</button>
</form>`;
}
