import type { EventVisibility } from '@accounts/projections/ops/visibility-horizon';
import type { OperatorActionRecord } from '@accounts/projections/ops/operator-trail';
import type { ProjectionReport } from '@accounts/projections/ops/projection-status';
import { html, type Html } from './html';
import type { LagSample } from './lag-history';

/** What keeps a projection from being current, in words an operator can act on. */
export function heldBackBy(report: ProjectionReport, visibility: EventVisibility | undefined, projectionPaused = report.paused): string {
  const reasons: string[] = [];
  // A pause stops every version of the projection, a rebuild beside the live one included.
  if (report.paused || projectionPaused) reasons.push('paused by an operator');
  if (!report.owner) reasons.push('no running process owns it');
  if (report.deadLetters > 0) reasons.push(`${report.deadLetters} dead-lettered event${report.deadLetters === 1 ? '' : 's'}`);
  if (visibility && visibility.invisibleEvents > 0 && visibility.holder) {
    reasons.push(`transaction pid ${visibility.holder.pid} hides ${visibility.invisibleEvents} committed events (${Math.round(visibility.heldSeconds)} s)`);
  }
  if (reasons.length === 0 && report.lagEvents > 0) reasons.push('catching up');
  return reasons.length === 0 ? 'nothing' : reasons.join('; ');
}

/** Seconds left for a rebuild at the pace it has kept since it started; undefined before there is a pace. */
export function etaSeconds(report: ProjectionReport, now = Date.now()): number | undefined {
  const progress = report.progress ?? 0;
  if (!report.startedAt || progress <= 0 || progress >= 1) return progress >= 1 ? 0 : undefined;
  const elapsed = (now - Date.parse(report.startedAt)) / 1000;
  return Math.max(0, Math.round((elapsed * (1 - progress)) / progress));
}

const WIDTH = 240;
const HEIGHT = 48;

/** Lag in events over the last hour as a small SVG line, with its numbers in words for screen readers. */
export function lagChart(name: string, samples: readonly LagSample[], now = Date.now()): Html {
  const peak = samples.reduce((max, sample) => Math.max(max, sample.lagEvents), 0);
  const latest = samples.at(-1);
  const words = samples.length === 0
    ? `No lag samples yet for ${name}.`
    : `Lag of ${name} over the last hour: ${samples.length} samples, peak ${peak} events, now ${latest!.lagEvents} events (${latest!.lagSeconds} s).`;
  const points = samples.map((sample) => {
    const x = Math.round(((sample.at - (now - 3_600_000)) / 3_600_000) * WIDTH * 10) / 10;
    const y = Math.round((HEIGHT - 2 - (peak === 0 ? 0 : (sample.lagEvents / peak) * (HEIGHT - 4))) * 10) / 10;
    return `${Math.max(0, x)},${y}`;
  });
  return html`<figure class="chart">
  <svg role="img" aria-label="${words}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}">
    <rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#f4f6f8" stroke="#8a949e"></rect>
    ${points.length > 1 ? html`<polyline fill="none" stroke="#0b5cad" stroke-width="2" points="${points.join(' ')}"></polyline>` : ''}
    ${points.length === 1 ? html`<circle cx="${points[0]!.split(',')[0]}" cy="${points[0]!.split(',')[1]}" r="2" fill="#0b5cad"></circle>` : ''}
  </svg>
  <figcaption><span class="axis" aria-hidden="true">1 h ago … now</span> ${words}</figcaption>
</figure>`;
}

function actionButton(name: string, action: string, label: string, csrf: string): Html {
  return html`<form method="post" action="/console/operations/${name}/${action}" class="action">
  <input type="hidden" name="_csrf" value="${csrf}">
  <button type="submit" id="${action}-${name}">${label}</button>
</form>`;
}

export function operationsPage(
  reports: ProjectionReport[],
  visibility: EventVisibility | undefined,
  history: (name: string) => readonly LagSample[],
  actions: OperatorActionRecord[],
  csrf: string,
  notice?: string,
  error?: string,
): Html {
  const names = [...new Set(reports.map((report) => report.name))];
  const paused = new Set(reports.filter((report) => report.paused).map((report) => report.name));
  return html`${notice ? html`<p role="status" class="notice">${notice}</p>` : ''}
${error ? html`<p role="alert" class="error">${error}</p>` : ''}
<div id="live" data-refresh="/console/operations">
<section aria-labelledby="projections-heading">
  <h2 id="projections-heading">Projections</h2>
  <p class="visually-hidden" aria-live="polite" id="live-summary">${reports.map((r) => `${r.name} version ${r.version}: ${r.state}${r.paused ? ', paused' : ''}${r.state === 'building' ? `, ${Math.floor((r.progress ?? 0) * 100)}%` : ''}.`).join(' ')}</p>
  <table class="projections">
    <caption class="visually-hidden">Every projection with its state, lag, owner and dead letters</caption>
    <thead><tr><th scope="col">Projection</th><th scope="col">State</th><th scope="col">Lag (events)</th><th scope="col">Lag (seconds)</th><th scope="col">Owner</th><th scope="col">Held back by</th><th scope="col">Dead letters</th><th scope="col">Progress</th></tr></thead>
    <tbody>${reports.map((report) => {
      const eta = etaSeconds(report);
      return html`<tr data-projection="${report.name}" data-version="${report.version}" data-state="${report.state}" data-paused="${String(report.paused)}">
      <th scope="row">${report.name} <span class="version">v${report.version}</span></th>
      <td class="state">${report.state}${report.paused ? ' (paused)' : ''}</td>
      <td>${report.lagEvents}${report.lagEventsCapped ? '+' : ''}</td>
      <td>${report.lagSeconds}</td>
      <td>${report.owner ? html`<code>${report.owner.holder}</code> (${report.owner.heartbeatAgeSeconds} s ago)` : 'none'}</td>
      <td>${heldBackBy(report, visibility, paused.has(report.name))}</td>
      <td>${report.deadLetters}</td>
      <td>${report.state === 'building'
        ? html`<progress max="100" value="${Math.floor((report.progress ?? 0) * 100)}" aria-label="Rebuild of ${report.name}">${Math.floor((report.progress ?? 0) * 100)}%</progress> <span class="eta">${Math.floor((report.progress ?? 0) * 100)}%, ${report.eventsProcessed} events, ETA ${eta === undefined ? 'estimating' : `${eta} s`}</span>`
        : '—'}</td>
    </tr>`;
    })}</tbody>
  </table>
</section>
<section aria-labelledby="lag-heading">
  <h2 id="lag-heading">Lag over the last hour</h2>
  <div class="charts">${names.map((name) => lagChart(name, history(name)))}</div>
</section>
</div>
<section aria-labelledby="controls-heading">
  <h2 id="controls-heading">Controls</h2>
  <p>The same operations as the CLI's <code>projections</code> commands; each is recorded under your user id.</p>
  <ul class="controls">${names.map((name) => {
    const live = reports.find((report) => report.name === name && report.state === 'live') ?? reports.find((report) => report.name === name)!;
    return html`<li><h3>${name}</h3>
    ${actionButton(name, 'rebuild', `Rebuild ${name}`, csrf)}
    ${live.paused ? actionButton(name, 'resume', `Resume ${name}`, csrf) : actionButton(name, 'pause', `Pause ${name}`, csrf)}
    ${actionButton(name, 'retry-dead-letters', `Retry dead letters of ${name}`, csrf)}</li>`;
  })}</ul>
</section>
<section aria-labelledby="actions-heading">
  <h2 id="actions-heading">Recent operator actions</h2>
  <p>From the console, the HTTP API (<code>GET /v1/ops/actions</code> lists them all) and the CLI.</p>
  ${actions.length === 0
    ? html`<p>None yet.</p>`
    : html`<table class="actions"><caption class="visually-hidden">The latest operator actions, from every door</caption><thead><tr><th scope="col">Time</th><th scope="col">Operator</th><th scope="col">Through</th><th scope="col">Action</th><th scope="col">Projection</th><th scope="col">Outcome</th></tr></thead>
  <tbody>${actions.map((a) => html`<tr data-door="${a.door}"><td>${a.at}</td><td>${a.actorId ? html`<code>${a.actorId}</code>` : 'not named'}</td><td>${a.door === 'http' ? `HTTP (${a.service})` : a.door === 'cli' ? 'CLI' : 'console'}</td><td>${a.action}</td><td>${a.projection}</td><td>${outcomeText(a)}</td></tr>`)}</tbody></table>`}
</section>`;
}

/** An action's outcome in words: the version a rebuild builds, a retry's request id. */
function outcomeText(action: OperatorActionRecord): string {
  const words = action.outcome.replace('_', ' ');
  if (action.version !== null) return `${words} (version ${action.version})`;
  if (action.requestId !== null) return `${words} (request ${action.requestId})`;
  return words;
}
