/**
 * The dashboard's actions on many timers and its change form, in a real browser
 * (Debian's headless Chromium, driven by playwright-core), acting as an operator
 * against a real api and controller on MariaDB with API keys on: a selection of
 * failed timers replayed at once and seen to fire; a page of pending timers
 * canceled at once; the list filtered by flow and by schedule; a timer changed
 * from its page, and a change someone made meanwhile refused (412) and shown.
 * What dashboardPages.test.ts covers (a timer's page, search, paging, the
 * retries view, 390 px) is not repeated here. Screenshots go to docs/.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { apiAs, goto, listedIds, login, openBrowser } from './helpers/browser';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { statusCounts } from './helpers/timers';
import { waitFor } from './helpers/wait';

const DOCS = path.join(__dirname, '..', 'docs');
const KEY = 'tk_dashboard_actions_0123456789ab';
const SCHEDULE = '0190bbbb-0000-7000-8000-000000000001';

let t: TestDatabase;
let receiver: Receiver;
let browser: Browser;
let page: Page;
let base: string;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('dashboard_actions');
  // /gone answers 410 the first time (failed at once), 200 after; the rest 200.
  receiver = await startReceiver((d, nth) => (d.path.startsWith('/gone') && nth === 1 ? 410 : 200));
  const env = { DATABASE_URL: t.url, API_KEYS: KEY };
  const api = spawnService('api', env);
  processes.push(api, spawnService('controller', { ...env, CONTROLLER_ID: 'actions-1' }));
  base = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;
  await processes[1].waitForLog('Controller started');
  ({ browser, page } = await openBrowser());
  await login(page, base, KEY);
});

afterAll(async () => {
  await browser?.close();
  await killAll(processes);
  await receiver?.close();
  await t?.drop();
});

const api = apiAs(() => base, KEY);

const origin = () => receiver.url.replace(/\/hooks$/, '');

it('replays a selection of failed timers at once and sees each of them fire; the rest stay failed', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    ids.push((await api<{ id: string }>('POST', '/timers', { seconds: 0, url: `${origin()}/gone/${i}` })).id);
  }
  await waitFor('the timers to fail', async () => (await statusCounts(t.db)).failed === 4);
  const [left, ...chosen] = ids;

  await goto(page, '#/timers?status=failed');
  await waitFor('the failed timers listed', async () => (await listedIds(page)).length === 4);
  for (const id of chosen) await page.check(`#timers input[data-select="${id}"]`);
  expect(await page.locator('#bulk-count').textContent()).toBe('3 selected');
  await page.screenshot({ path: path.join(DOCS, 'dashboard-bulk.png'), fullPage: false });
  const answered = page.waitForResponse((r) => r.url().endsWith('/timers/retry'));
  await page.click('#bulk-replay');
  const answer = await answered;

  expect(answer.request().postDataJSON()).toEqual({ ids: chosen });
  expect(answer.status()).toBe(200);
  await page.locator('#bulk-result', { hasText: '3 replayed' }).waitFor();
  expect(await page.locator('#bulk-count').textContent()).toBe('0 selected');
  // The list refreshes on its own: only the timer left out is still failed.
  await waitFor('the replayed timers to leave the failed list', async () => (await listedIds(page)).join() === left);
  await waitFor('each replayed timer to fire', async () => chosen.every((id) => receiver.countById().get(id) === 2));
  // The receiver answers before the controller records the outcome: wait for the record.
  await waitFor('the outcomes to be recorded', async () => (await statusCounts(t.db)).fired === 3);
  expect(await statusCounts(t.db)).toMatchObject({ failed: 1, fired: 3 });
  expect(receiver.countById().get(left)).toBe(1);
});

it('cancels a whole page of pending timers at once from the header checkbox', async () => {
  const timers = Array.from({ length: 5 }, () => ({ hours: 2, url: `${origin()}/hooks/bulk`, labels: { run: 'c5' } }));
  const { timers: made } = await api<{ timers: Array<{ id: string }> }>('POST', '/timers/batch', { timers });

  await goto(page, '#/timers?status=pending&label=run:c5');
  await waitFor('the five listed', async () => (await listedIds(page)).length === 5);
  await page.check('#select-page');
  expect(await page.locator('#bulk-count').textContent()).toBe('5 selected');
  await page.click('#bulk-cancel');

  await page.locator('#bulk-result', { hasText: '5 canceled' }).waitFor();
  await waitFor('the canceled timers to leave the pending list', async () => (await listedIds(page)).length === 0);
  for (const { id } of made)
    expect(await api<{ status: string }>('GET', `/timers/${id}`)).toMatchObject({ status: 'canceled' });
});

it('replays and cancels every timer of the label filtered by, after a second click', async () => {
  const failed: string[] = [];
  for (let i = 0; i < 3; i++) {
    const body = { seconds: 0, url: `${origin()}/gone/wave-${i}`, labels: { wave: 'l3' } };
    failed.push((await api<{ id: string }>('POST', '/timers', body)).id);
  }
  const pending = [];
  for (let i = 0; i < 2; i++) {
    pending.push(
      (await api<{ id: string }>('POST', '/timers', { hours: 2, url: `${origin()}/hooks/w`, labels: { wave: 'l3' } }))
        .id,
    );
  }
  const failedOfLabel = async () =>
    (await api<{ items: unknown[] }>('GET', '/timers?status=failed&label=wave:l3')).items.length;
  await waitFor('the three to fail', async () => (await failedOfLabel()) === 3);

  await goto(page, '#/timers?label=wave:l3');
  await waitFor('the five listed', async () => (await listedIds(page)).length === 5);
  await page.click('#label-replay');
  expect(await page.locator('#label-replay').textContent()).toMatch(/^Sure\? Click again/);
  expect(await failedOfLabel()).toBe(3);
  await page.click('#label-replay');
  await page.locator('#bulk-result', { hasText: /^3 replayed$/ }).waitFor();
  await waitFor('the replayed ones to fire', async () =>
    (await Promise.all(failed.map((id) => api<{ status: string }>('GET', `/timers/${id}`)))).every(
      (x) => x.status === 'fired',
    ),
  );

  await page.click('#label-cancel');
  await page.click('#label-cancel');
  await page.locator('#bulk-result', { hasText: /^2 canceled$/ }).waitFor();
  for (const id of pending) expect(await api('GET', `/timers/${id}`)).toMatchObject({ status: 'canceled' });
});

it('filters the list by flow, by schedule and by host', async () => {
  const flowed = await api<{ id: string }>('POST', '/timers', {
    hours: 2,
    url: `${origin()}/hooks/flowed`,
    flow_key: 'dashboard-billing',
  });
  const occurrence = await api<{ id: string }>('POST', '/timers', { hours: 2, url: `${origin()}/hooks/scheduled` });
  await t.db.raw('UPDATE timers SET schedule_id = ? WHERE id = ?', [SCHEDULE, occurrence.id]);

  await goto(page, '#/timers');
  await page.fill('#f-flow', 'dashboard-billing');
  await page.click('#filters button[type=submit]');
  await waitFor('only the flow’s timer', async () => (await listedIds(page)).join() === flowed.id);
  expect(await page.evaluate('location.hash')).toBe('#/timers?flow=dashboard-billing');

  await page.fill('#f-flow', '');
  await page.fill('#f-schedule', SCHEDULE);
  await page.click('#filters button[type=submit]');
  await waitFor('only the schedule’s occurrence', async () => (await listedIds(page)).join() === occurrence.id);

  // The same receiver by another name: the one timer sent to that host.
  const byHost = await api<{ id: string }>('POST', '/timers', {
    hours: 2,
    url: origin().replace('127.0.0.1', 'localhost') + '/hooks/by-host',
  });
  const host = new URL(origin()).host.replace('127.0.0.1', 'localhost');
  await page.fill('#f-schedule', '');
  await page.fill('#f-host', host);
  await page.click('#filters button[type=submit]');
  await waitFor('only the timer sent to that host', async () => (await listedIds(page)).join() === byHost.id);
  expect(await page.evaluate('location.hash')).toBe(`#/timers?host=${encodeURIComponent(host)}`);
});

it('changes a timer from its page at the version shown, and shows a change made meanwhile as a conflict', async () => {
  const { id } = await api<{ id: string }>('POST', '/timers', { hours: 2, url: `${origin()}/hooks/change-me` });
  const later = new Date(Date.now() + 3 * 3600_000).toISOString().replace(/\.\d+Z$/, '.000Z');

  await goto(page, `#/timer/${id}`);
  await page.locator('#change-fire-at').waitFor();
  await page.fill('#change-fire-at', later);
  await page.fill('#change-max-attempts', '3');
  const answered = page.waitForResponse((r) => r.request().method() === 'PATCH');
  await page.click('#change-save');
  const answer = await answered;

  expect(answer.request().headers()['if-match']).toBe('W/"1"');
  expect(answer.request().postDataJSON()).toEqual({ fire_at: later, retry: { max_attempts: 3 } });
  expect(answer.status()).toBe(200);
  await page.locator('#change-message', { hasText: 'version 2' }).waitFor();
  await page.locator('[data-field=version]', { hasText: '2' }).waitFor();
  expect(await api('GET', `/timers/${id}`)).toMatchObject({ fire_at: later, version: 2 });

  // The operator edits the URL while someone else moves the timer: the save is refused, not written over.
  await page.fill('#change-url', `${origin()}/hooks/mine`);
  await api('PATCH', `/timers/${id}`, { minutes: 30 }, { 'If-Match': 'W/"2"' });
  const refused = page.waitForResponse((r) => r.request().method() === 'PATCH');
  await page.click('#change-save');
  expect((await refused).status()).toBe(412);

  await page.locator('#change-conflict', { hasText: '412' }).waitFor();
  expect(await page.locator('#change-url').inputValue()).toBe(`${origin()}/hooks/mine`);
  await page.locator('[data-field=version]', { hasText: '3' }).waitFor();
  await page.screenshot({ path: path.join(DOCS, 'dashboard-change.png'), fullPage: true });
  expect(await api('GET', `/timers/${id}`)).toMatchObject({ url: `${origin()}/hooks/change-me`, version: 3 });

  await page.click('#change-reload');
  await waitFor('the form to show the current version', async () =>
    (await page.locator('#change-url').inputValue()).endsWith('/hooks/change-me'),
  );
  expect(await page.locator('#change-conflict').isHidden()).toBe(true);
});
