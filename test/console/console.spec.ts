import { readFileSync } from 'node:fs';
import { createTestApp, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';
import { type Browser, openBrowser, screenshot, seriousViolations } from './browser';

const PASSWORD = 'correct horse battery staple';

/**
 * The console in a real browser (issue #18): headless Chromium against the whole service listening on a port, with
 * projectors running, on a fresh database. Three staff members (owner, admin, member of the staff organization) and a
 * person to review; every page is checked by axe-core and photographed into var/screenshots.
 */
describe('console in a browser', () => {
  jest.setTimeout(240_000);
  let setup: TestApp;
  let t: TestApp;
  let browser: Browser;
  let base: string;
  const ids = { owner: '', admin: '', member: '', subject: '', staffOrg: '', globex: '', outsider: '' };

  async function register(email: string): Promise<string> {
    const created = await setup.request('POST', '/v1/users', { body: { email, password: PASSWORD } });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  beforeAll(async () => {
    // The staff organization has to exist before the service starts (CONSOLE_ORGANIZATION_ID): a first process
    // without projectors creates it, then the process under test starts on the same database.
    setup = await createTestApp({ redisDb: 7, env: { RUN_PROJECTORS: 'false' } });
    ids.owner = await register('olive.owner@staff.example');
    ids.admin = await register('adam.admin@staff.example');
    ids.member = await register('mia.member@staff.example');
    ids.outsider = await register('oscar.outsider@example.com');
    ids.subject = await register('sam.subject@example.com');
    const staff = await setup.request('POST', '/v1/organizations', { body: { name: 'Staff' }, headers: { 'x-actor-id': ids.owner } });
    ids.staffOrg = staff.body.id;
    for (const [user, role] of [[ids.admin, 'admin'], [ids.member, 'member']] as const) {
      expect((await setup.request('POST', `/v1/organizations/${ids.staffOrg}/members`, { body: { userId: user, role }, headers: { 'x-actor-id': ids.owner } })).status).toBe(201);
    }
    const globex = await setup.request('POST', '/v1/organizations', { body: { name: 'Globex Corporation' }, headers: { 'x-actor-id': ids.subject } });
    ids.globex = globex.body.id;
    await setup.request('POST', '/v1/sessions', { body: { email: 'sam.subject@example.com', password: PASSWORD } });
    await setup.request('POST', `/v1/users/${ids.subject}/email`, { body: { email: 'samuel.subject@example.org' }, headers: { 'x-actor-id': ids.subject } });

    t = await createTestApp({ redisDb: 7, shareDatabaseWith: setup, captureLogs: true, env: { CONSOLE_ORGANIZATION_ID: ids.staffOrg } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await setup?.close();
    await dropTemplate();
  });

  const page = () => browser.page;
  /** Session and CSRF tokens handed to the browser, which no log line may carry. */
  const secrets: string[] = [];

  async function signIn(email: string) {
    await browser.context.clearCookies();
    await page().goto(`${base}/console/sign-in`);
    await page().getByLabel('Email').fill(email);
    await page().getByLabel('Password').fill(PASSWORD);
    await page().getByRole('button', { name: 'Sign in' }).click();
    // Either the console or the sign-in page again, with what went wrong (argon2 is slow on a loaded machine).
    await page().locator('form.sign-out, [role="alert"]').first().waitFor({ timeout: 60_000 });
    expect(await page().locator('[role="alert"]').allTextContents()).toEqual([]);
    expect(new URL(page().url()).pathname).toMatch(/^\/console\/(audit|operations)$/);
    secrets.push(...(await browser.context.cookies()).map((cookie) => cookie.value).filter((value) => value.length > 20));
    secrets.push((await page().locator('form.sign-out input[name="_csrf"]').getAttribute('value'))!);
  }

  async function accessible(name: string) {
    expect(await seriousViolations(page())).toEqual([]);
    await screenshot(page(), name);
  }

  const readsBy = async (actorId: string) =>
    (await t.allEvents()).filter((event) => event.type === 'PersonalDataRead' && (event.metadata as { actorId?: string }).actorId === actorId);

  test('a signed-out visitor reaches nothing but the sign-in page', async () => {
    await browser.context.clearCookies();
    for (const path of ['/console', '/console/audit', `/console/audit/users/${ids.subject}`, '/console/audit/export', '/console/operations']) {
      await page().goto(`${base}${path}`);
      expect(new URL(page().url()).pathname).toBe('/console/sign-in');
    }
    expect(await page().getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    await accessible('01-sign-in');
    // Changes without a session: refused, nothing done.
    for (const path of ['/console/operations/read_model/pause', `/console/audit/users/${ids.subject}/reveal`, '/console/audit/export']) {
      const response = await page().request.post(`${base}${path}`, { form: { _csrf: 'x' }, maxRedirects: 0 });
      expect([response.status(), response.headers()['location']]).toEqual([303, '/console/sign-in']);
    }
    const headers = (await page().request.get(`${base}/console/sign-in`)).headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect((await t.request('GET', '/v1/ops/projections')).body.items.find((p: { name: string }) => p.name === 'read_model').paused).toBe(false);
  });

  test('a wrong password is refused; someone outside the staff organization gets no console', async () => {
    await browser.context.clearCookies();
    await page().goto(`${base}/console/sign-in`);
    await page().getByLabel('Email').fill('olive.owner@staff.example');
    await page().getByLabel('Password').fill('not the password');
    await page().getByRole('button', { name: 'Sign in' }).click();
    expect(await page().getByRole('alert').textContent()).toContain('wrong');
    await accessible('02-sign-in-refused');
    await page().getByLabel('Email').fill('oscar.outsider@example.com');
    await page().getByLabel('Password').fill(PASSWORD);
    await page().getByRole('button', { name: 'Sign in' }).click();
    expect(await page().getByRole('alert').textContent()).toContain('not a member of the staff organization');
    const cookies = await browser.context.cookies();
    expect(cookies.find((cookie) => cookie.name === 'console_session')).toBeUndefined();
  });

  test('the session cookie is HttpOnly and SameSite=Strict, and a form without the CSRF token changes nothing', async () => {
    await signIn('adam.admin@staff.example');
    const session = (await browser.context.cookies()).find((cookie) => cookie.name === 'console_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    const forged = await page().request.post(`${base}/console/operations/read_model/pause`, { form: { _csrf: 'forged' }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    const missing = await page().request.post(`${base}/console/operations/read_model/pause`, { form: {}, maxRedirects: 0 });
    expect(missing.status()).toBe(403);
    expect((await t.request('GET', '/v1/ops/projections')).body.items.find((p: { name: string }) => p.name === 'read_model').paused).toBe(false);
  });

  test('an owner finds a person, reads the timeline, moves through time, reveals (recorded) and exports', async () => {
    await signIn('olive.owner@staff.example');
    await page().getByRole('link', { name: 'Audit', exact: true }).click();
    await accessible('03-audit-search');
    await page().getByLabel('User or organization: id, email or name').fill('sam.subject');
    await page().getByRole('button', { name: 'Search' }).click();
    await expect(page().getByRole('status').textContent()).resolves.toMatch(/found/);
    // Search results are masked for everyone.
    expect(await page().locator('.results').textContent()).not.toContain('sam.subject@');
    // By organization name and by id, too.
    await page().goto(`${base}/console/audit?q=Globex`);
    expect(await page().locator('.results').textContent()).toContain('Globex Corporation');
    await page().goto(`${base}/console/audit?q=${ids.subject}`);
    await accessible('04-audit-results');
    await page().locator('.results a').first().click();
    expect(new URL(page().url()).pathname).toBe(`/console/audit/users/${ids.subject}`);

    // The user's own stream: type, time, actor, service and correlation id of each event.
    const types = await page().locator('table.timeline tbody tr td:nth-child(2)').allTextContents();
    // Registration and the email change each issue a verification token (mailed by the mail projection).
    expect(types).toEqual(['UserRegistered', 'EmailVerificationIssued', 'UserLoggedIn', 'UserEmailChanged', 'EmailVerificationIssued']);
    const changed = await page().locator('table.timeline tbody tr').nth(3).locator('td').allTextContents();
    expect(changed.slice(3, 6)).toEqual([ids.subject, 'dev', expect.stringMatching(/\S/)]);
    expect(await page().locator('body').textContent()).not.toContain('samuel.subject@example.org');
    await accessible('05-audit-timeline');

    // Move back one revision: the state and the diff change with it.
    const latest = await page().locator('#state-heading').textContent();
    await page().getByRole('link', { name: /^Earlier: revision/ }).click();
    expect(await page().locator('#state-heading').textContent()).not.toBe(latest);
    await page().getByLabel('State at (revision or ISO-8601 time)').fill('0');
    await page().getByLabel('Compare with (revision or time, optional)').fill('');
    await page().getByRole('button', { name: 'Show' }).click();
    expect(await page().locator('#state-heading').textContent()).toContain('revision 0');
    // A time: the moment after everything happened shows the last revision, compared with revision 0.
    await page().getByLabel('State at (revision or ISO-8601 time)').fill(new Date().toISOString());
    await page().getByLabel('Compare with (revision or time, optional)').fill('0');
    await page().getByRole('button', { name: 'Show' }).click();
    const diff = await page().locator('table.diff').textContent();
    expect(diff).toContain('email');
    expect(diff).not.toContain('samuel.subject@');
    await accessible('06-audit-time-travel');

    const before = (await readsBy(ids.owner)).length;
    await page().getByRole('button', { name: /^Reveal personal data/ }).click();
    expect(await page().getByRole('status').textContent()).toContain('recorded as PersonalDataRead');
    expect(await page().locator('table.timeline').textContent()).toContain('samuel.subject@example.org');
    expect(await page().locator('table.diff').textContent()).toContain('samuel.subject@example.org');
    const recorded = await readsBy(ids.owner);
    expect(recorded.length).toBeGreaterThan(before);
    expect(recorded.at(-1)).toMatchObject({ metadata: { actorId: ids.owner, service: 'console' } });
    await accessible('07-audit-revealed');

    await page().getByRole('link', { name: 'Export', exact: true }).click();
    await accessible('08-audit-export');
    await page().getByLabel('Event types (comma-separated, optional)').fill('UserEmailChanged');
    const [download] = await Promise.all([page().waitForEvent('download'), page().getByRole('button', { name: 'Download export' }).click()]);
    const lines = readFileSync(await download.path(), 'utf8').trim().split('\n').map((line: string) => JSON.parse(line));
    expect(lines.map((line: { type: string }) => line.type)).toEqual(['UserEmailChanged']);
    expect(JSON.stringify(lines)).not.toContain('samuel.subject@');
  });

  test('an admin starts a rebuild and watches it finish, pauses and resumes — recorded under their id', async () => {
    await signIn('adam.admin@staff.example');
    await page().goto(`${base}/console/operations`);
    await page().locator('tr[data-projection="read_model"]').first().waitFor();
    await accessible('09-operations');
    const version = Number(await page().locator('tr[data-projection="read_model"][data-state="live"]').getAttribute('data-version'));
    // Paused first, so the rebuild waits where it can be seen: a pause holds every version of the projection.
    await page().getByRole('button', { name: 'Pause read_model' }).click();
    await page().locator('tr[data-projection="read_model"][data-paused="true"]').waitFor();
    expect((await t.request('GET', '/v1/ops/projections')).body.items.find((p: { name: string }) => p.name === 'read_model').paused).toBe(true);
    await page().getByRole('button', { name: 'Rebuild read_model' }).click();
    expect(await page().getByRole('status').first().textContent()).toContain('Rebuild requested: read_model');
    const building = page().locator(`tr[data-projection="read_model"][data-version="${version + 1}"][data-state="building"]`);
    expect(await building.locator('progress').getAttribute('value')).toBe('0');
    expect(await building.textContent()).toContain('paused by an operator');
    expect(await building.locator('.eta').textContent()).toMatch(/ETA/);
    await accessible('10-operations-rebuild-waiting');
    // Resumed: the page's script follows the rebuild without a reload, until the new version is the live one.
    await page().getByRole('button', { name: 'Resume read_model' }).click();
    await page().locator(`tr[data-projection="read_model"][data-version="${version + 1}"][data-state="live"]`).waitFor({ timeout: 60_000 });
    expect(await page().locator('tr[data-projection="read_model"]').count()).toBe(1);
    expect(await page().locator('tr[data-projection="read_model"]').getAttribute('data-paused')).toBe('false');
    await accessible('11-operations-rebuilt');
    // The live part follows what others do (the CLI, another operator) without a reload: a pause over the HTTP API.
    await page().evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    expect((await t.request('POST', '/v1/ops/projections/search/pause')).status).toBe(200);
    await page().locator('tr[data-projection="search"][data-paused="true"]').waitFor({ timeout: 10_000 });
    expect(await page().evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect((await t.request('POST', '/v1/ops/projections/search/resume')).status).toBe(200);
    await page().getByRole('button', { name: 'Retry dead letters of read_model' }).click();
    const { rows } = await t.database.pool.query(`SELECT actor_id, action, projection FROM operator_actions WHERE door = 'console' ORDER BY id`);
    expect(rows).toEqual(['pause', 'rebuild', 'resume', 'retry-dead-letters'].map((action) => ({ actor_id: ids.admin, action, projection: 'read_model' })));
    // One trail for every door: the console's actions and the HTTP pause and resume between them, in one list.
    const trail = (await t.request('GET', '/v1/ops/actions')).body.items as { door: string; service: string | null; actorId: string | null; action: string; projection: string; outcome: string }[];
    const viaConsole = { door: 'console', service: null, actorId: ids.admin, projection: 'read_model' };
    const http = { door: 'http', service: 'dev', actorId: null, projection: 'search' };
    expect(trail.map(({ door, service, actorId, action, projection, outcome }) => ({ door, service, actorId, action, projection, outcome }))).toEqual([
      { ...viaConsole, action: 'retry-dead-letters', outcome: 'requested' },
      { ...http, action: 'resume', outcome: 'resumed' },
      { ...http, action: 'pause', outcome: 'paused' },
      { ...viaConsole, action: 'resume', outcome: 'resumed' },
      { ...viaConsole, action: 'rebuild', outcome: 'started' },
      { ...viaConsole, action: 'pause', outcome: 'paused' },
    ]);
    // The page lists the same trail, the HTTP actions with the calling service.
    await page().goto(`${base}/console/operations`);
    expect(await page().locator('table.actions tbody tr').count()).toBe(6);
    expect(await page().locator('table.actions tbody tr[data-door="http"]').first().textContent()).toContain('HTTP (dev)');
    const retry = await t.database.pool.query('SELECT requested_by FROM projection_requests ORDER BY requested_at DESC LIMIT 1');
    expect(retry.rows[0].requested_by).toBe(`console:${ids.admin}`);
  });

  test('a member of the staff organization reviews masked data only: no operations, no reveal', async () => {
    await signIn('mia.member@staff.example');
    expect(new URL(page().url()).pathname).toBe('/console/audit');
    expect(await page().getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Operations' }).count()).toBe(0);
    const operations = await page().goto(`${base}/console/operations`);
    expect(operations!.status()).toBe(403);
    await accessible('12-member-operations-refused');
    await page().goto(`${base}/console/audit/users/${ids.subject}`);
    expect(await page().getByRole('button', { name: /Reveal/ }).count()).toBe(0);
    expect(await page().locator('body').textContent()).not.toContain('samuel.subject@example.org');
    await accessible('13-member-timeline');
    // Even a well-formed reveal with the member's own CSRF token is refused, and nothing is recorded.
    const csrf = await page().locator('form.sign-out input[name="_csrf"]').getAttribute('value');
    const reveal = await page().request.post(`${base}/console/audit/users/${ids.subject}/reveal`, { form: { _csrf: csrf!, at: '0' }, maxRedirects: 0 });
    expect(reveal.status()).toBe(403);
    expect(await reveal.text()).not.toContain('samuel.subject@');
    const pause = await page().request.post(`${base}/console/operations/read_model/pause`, { form: { _csrf: csrf! }, maxRedirects: 0 });
    expect(pause.status()).toBe(403);
    expect(await readsBy(ids.member)).toEqual([]);
    // Signing out ends the session itself (RevokeSession): the old cookie opens nothing.
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'console_session')!;
    await page().getByRole('button', { name: 'Sign out' }).click();
    expect(new URL(page().url()).pathname).toBe('/console/sign-in');
    await browser.context.addCookies([{ ...cookie }]);
    await page().goto(`${base}/console/audit`);
    expect(new URL(page().url()).pathname).toBe('/console/sign-in');
  });

  test('sign-in goes through the login throttle', async () => {
    await browser.context.clearCookies();
    await page().goto(`${base}/console/sign-in`);
    for (let attempt = 0; attempt < 6; attempt++) {
      await page().getByLabel('Email').fill('nobody@staff.example');
      await page().getByLabel('Password').fill('guess');
      await page().getByRole('button', { name: 'Sign in' }).click();
      await page().getByRole('alert').waitFor();
    }
    expect(await page().getByRole('alert').textContent()).toContain('Too many failed attempts');
  });

  test('no personal data, password, session token or CSRF token reaches a log line', async () => {
    const logs = t.logs.join('');
    expect(logs).toContain('/console/');
    expect(secrets.length).toBeGreaterThan(4);
    for (const secret of [PASSWORD, 'olive.owner', 'adam.admin', 'mia.member', 'sam.subject', 'samuel.subject', 'nobody@staff', ...secrets]) expect(logs).not.toContain(secret);
  });

  test('the console is no part of /openapi.json', async () => {
    const paths = Object.keys((await t.request('GET', '/openapi.json', { key: null })).body.paths);
    expect(paths.filter((path) => path.startsWith('/console'))).toEqual([]);
    expect(paths).toContain('/v1/ops/projections');
  });
});
