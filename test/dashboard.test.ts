/**
 * The dashboard in a real browser (Debian's headless Chromium, driven by
 * playwright-core), against a real api and controller on MariaDB with API keys on:
 * the page asks for the key, then shows the timers created, the requests sent
 * (recent deliveries, from the delivery history), the failed timers and the
 * schedules; the replay button sends a failed timer again, and it fires.
 * A screenshot is saved as test-output/dashboard.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { apiAs, openBrowser } from './helpers/browser';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { statusCounts } from './helpers/timers';
import { waitFor } from './helpers/wait';

const OUTPUT = path.join(__dirname, '..', 'test-output');
const KEY = 'tk_dashboard_browser_0123456789';

let t: TestDatabase;
let receiver: Receiver;
let browser: Browser;
let page: Page;
let base: string;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('dashboard');
  // /gone answers 410 the first time: those timers fail at once, with nothing to retry; a replay gets 200.
  receiver = await startReceiver((d, nth) => (d.path.startsWith('/gone') && nth === 1 ? 410 : 200));
  const env = { DATABASE_URL: t.url, API_KEYS: KEY };
  const api = spawnService('api', env);
  processes.push(api, spawnService('controller', { ...env, CONTROLLER_ID: 'dashboard-1' }));
  base = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;
  await processes[1].waitForLog('Controller started');
  ({ browser, page } = await openBrowser());
});

afterAll(async () => {
  await browser?.close();
  await killAll(processes);
  await receiver?.close();
  await t?.drop();
});

const api = apiAs(() => base, KEY);

const origin = () => receiver.url.replace(/\/hooks$/, '');

it('asks for the key, then shows created, delivered and failed timers and the schedules', async () => {
  const pending: string[] = [];
  for (const minutes of [3, 12, 45]) {
    pending.push((await api<{ id: string }>('POST', '/timers', { minutes, url: `${origin()}/hooks/reports` })).id);
  }
  for (let i = 0; i < 4; i++) await api('POST', '/timers', { seconds: 0, url: `${origin()}/hooks/ok` });
  for (let i = 0; i < 2; i++) await api('POST', '/timers', { seconds: 0, url: `${origin()}/gone/${i}` });
  await api('POST', '/schedules', { cron: '*/10 * * * * *', url: `${origin()}/hooks/heartbeat` });
  await api('POST', '/schedules', { cron: '30 2 * * *', timezone: 'Europe/Berlin', url: `${origin()}/hooks/nightly` });
  const paused = await api<{ id: string }>('POST', '/schedules', {
    cron: '0 9 * * MON-FRI',
    url: `${origin()}/hooks/standup`,
  });
  await api('POST', `/schedules/${paused.id}/pause`);
  await waitFor('deliveries and failures', async () => {
    const counts = await statusCounts(t.db);
    return counts.fired >= 4 && counts.failed === 2;
  });

  await page.goto(`${base}/ui`);
  await page.locator('#login').waitFor();
  await page.fill('#key', KEY);
  await page.click('#login button[type=submit]');

  // The timer created last is the first due: the page shows it by its full id.
  await page.locator(`#due-soon td[title="${pending[0]}"]`).waitFor();
  for (const id of pending) expect(await page.locator(`#due-soon td[title="${id}"]`).count()).toBe(1);
  expect(await page.locator('#counts [data-status=failed] b').textContent()).toBe('2');
  expect(await page.locator('#failed tbody tr').count()).toBe(2);
  expect(await page.locator('#failed tbody').textContent()).toContain('HTTP 410');
  expect(await page.locator('#recent tbody').textContent()).toContain('delivered');
  expect(await page.locator('#recent tr[data-outcome=failed]').count()).toBe(2);
  expect(await page.locator('#recent tr[data-outcome=failed] td.answer').first().textContent()).toBe('410');
  expect(await page.locator('#schedules tbody tr').count()).toBe(3);
  expect(await page.locator('#schedules tbody').textContent()).toContain('Europe/Berlin');
  expect(await page.locator('#schedules tbody').textContent()).toContain('paused');
  // The key stays in this tab's sessionStorage, never in the page's URL.
  expect(page.url()).not.toContain(KEY);

  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, 'dashboard.png'), fullPage: true });
});

it('refreshes on its own: a timer created after the page loaded appears', async () => {
  const { id } = await api<{ id: string }>('POST', '/timers', { minutes: 1, url: `${origin()}/hooks/late` });
  await page.locator(`#due-soon td[title="${id}"]`).waitFor({ timeout: 15_000 });
});

it('pauses and resumes a schedule from its row', async () => {
  const { items } = await api<{ items: Array<{ id: string; cron: string }> }>('GET', '/schedules');
  const heartbeat = items.find((x) => x.cron === '*/10 * * * * *')!;
  const button = page.locator(`#schedules button[data-schedule="${heartbeat.id}"]`);

  await button.click();
  await page.locator(`#schedules button[data-schedule="${heartbeat.id}"][data-action=resume]`).waitFor();
  expect(await api<{ paused: boolean }>('GET', `/schedules/${heartbeat.id}`)).toMatchObject({ paused: true });

  await button.click();
  await page.locator(`#schedules button[data-schedule="${heartbeat.id}"][data-action=pause]`).waitFor();
  expect(await api<{ paused: boolean }>('GET', `/schedules/${heartbeat.id}`)).toMatchObject({ paused: false });
});

it('replays a failed timer: back to pending, then fired, and the page shows the delivery', async () => {
  const failedId = (await page.locator('#failed tbody td.id').first().getAttribute('title'))!;
  const answered = page.waitForResponse(
    (r) => r.request().method() === 'POST' && r.url().endsWith(`/timers/${failedId}/retry`),
  );

  await page.click(`#failed button[data-replay="${failedId}"]`);

  const answer = await answered;
  expect(answer.request().headers().authorization).toBe(`Bearer ${KEY}`);
  expect(answer.status()).toBe(200);
  expect(await answer.json()).toMatchObject({ id: failedId, status: 'pending', attempts: 0 });
  await page.locator('#banner', { hasText: 'replayed: it is pending again' }).waitFor();
  await waitFor(
    'the replayed timer to fire',
    async () => (await api<{ status: string }>('GET', `/timers/${failedId}`)).status === 'fired',
  );
  const { items } = await api<{ items: Array<{ attempt: number; status_code: number; outcome: string }> }>(
    'GET',
    `/timers/${failedId}/attempts`,
  );
  expect(items.map((a) => [a.attempt, a.status_code, a.outcome])).toEqual([
    [1, 410, 'failed'],
    [2, 200, 'delivered'],
  ]);
  expect(receiver.countById().get(failedId)).toBe(2);

  // The next refresh shows the replay's delivery, and the timer is no longer among the failed.
  await page.locator(`#recent tr[data-timer="${failedId}"][data-outcome=delivered]`).waitFor({ timeout: 15_000 });
  expect(await page.locator(`#failed button[data-replay="${failedId}"]`).count()).toBe(0);
  expect(await page.locator('#failed tbody tr').count()).toBe(1);
  expect(await page.locator('#counts [data-status=failed] b').textContent()).toBe('1');
});
