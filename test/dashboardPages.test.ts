/**
 * The dashboard's pages in a real browser (Debian's headless Chromium, driven by
 * playwright-core), acting as an operator against a real api and controller on
 * MariaDB with API keys on: a failed timer opened from its list, its attempts,
 * replayed and seen to fire; search by id prefix and by label; a pending timer
 * canceled from its page; 120 timers paged through by status; the retries view;
 * nothing wider than a 390 px screen. Screenshots go to docs/ (README "Dashboard").
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
const KEY = 'tk_dashboard_pages_0123456789ab';

let t: TestDatabase;
let receiver: Receiver;
let browser: Browser;
let page: Page;
let base: string;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('dashboard_pages');
  // /gone answers 410 the first time (failed at once); /flaky answers 503 always (retried); the rest 200.
  receiver = await startReceiver((d, nth) => {
    if (d.path.startsWith('/gone')) return nth === 1 ? 410 : 200;
    if (d.path.startsWith('/flaky')) return 503;
    return 200;
  });
  const env = { DATABASE_URL: t.url, API_KEYS: KEY, RETRY_BASE_MS: '600000', RETRY_MAX_MS: '600000' };
  const api = spawnService('api', env);
  processes.push(api, spawnService('controller', { ...env, CONTROLLER_ID: 'pages-1' }));
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

it('opens a failed timer from its list, shows its attempts, replays it and sees it fire', async () => {
  const { id } = await api<{ id: string }>('POST', '/timers', { seconds: 0, url: `${origin()}/gone/1` });
  await waitFor('the timer to fail', async () => (await statusCounts(t.db)).failed === 1);

  await goto(page, '#/');
  await page.locator('#counts a[data-status=failed] b', { hasText: '1' }).waitFor();
  await page.click('#counts a[data-status=failed]');
  await page.locator(`#timers td[title="${id}"] a`).waitFor();
  expect(await page.locator('#timers tbody tr').count()).toBe(1);
  await page.click(`#timers td[title="${id}"] a`);

  await page.locator('#timer-id', { hasText: id }).waitFor();
  expect(await page.locator('[data-field=status]').textContent()).toBe('failed');
  expect(await page.locator('[data-field=last_error]').textContent()).toMatch(/^HTTP 410/);
  expect(await page.locator('#attempts tbody tr[data-outcome=failed] td.answer').textContent()).toBe('410');
  await page.screenshot({ path: path.join(DOCS, 'dashboard-timer.png'), fullPage: true });

  const answered = page.waitForResponse((r) => r.url().endsWith(`/timers/${id}/retry`));
  await page.click('#timer-replay');
  const answer = await answered;
  expect(answer.request().headers()['if-match']).toBe('W/"1"');
  expect(answer.status()).toBe(200);
  // The page refreshes on its own: the second attempt appears, delivered.
  await page.locator('#attempts tbody tr[data-outcome=delivered]').waitFor({ timeout: 20_000 });
  expect(await page.locator('#attempts tbody tr').count()).toBe(2);
  await page.locator('[data-field=status]', { hasText: 'fired' }).waitFor({ timeout: 10_000 });
  expect(receiver.countById().get(id)).toBe(2);
});

it('finds a timer by the start of its id and by label', async () => {
  const tagged = await api<{ id: string }>('POST', '/timers', {
    minutes: 30,
    url: `${origin()}/hooks/a`,
    labels: { customer: 'acme' },
  });
  await api('POST', '/timers', { minutes: 30, url: `${origin()}/hooks/b`, labels: { customer: 'other' } });
  const { items } = await api<{ items: Array<{ id: string }> }>('GET', '/timers?limit=100');
  let n = 8;
  while (items.filter((x) => x.id.startsWith(tagged.id.slice(0, n))).length > 1) n++;

  await goto(page, '#/timers');
  await page.fill('#f-id', tagged.id.slice(0, n));
  await page.click('#filters button[type=submit]');
  await waitFor('only the timer asked for', async () => (await listedIds(page)).join() === tagged.id);

  await page.fill('#f-id', '');
  await page.fill('#f-label', 'customer:acme');
  await page.click('#filters button[type=submit]');
  await waitFor('only the timer asked for', async () => (await listedIds(page)).join() === tagged.id);
  expect(await page.locator('#timers td.labels').textContent()).toBe('customer:acme');
});

it('cancels a pending timer from its page, at the version it shows', async () => {
  const { id } = await api<{ id: string }>('POST', '/timers', { hours: 2, url: `${origin()}/hooks/cancel-me` });

  await goto(page, `#/timer/${id}`);
  await page.locator('[data-field=status]', { hasText: 'pending' }).waitFor();
  expect(await page.locator('#timer-replay').isHidden()).toBe(true);
  const answered = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith(`/timers/${id}`));
  await page.click('#timer-cancel');
  const answer = await answered;

  expect(answer.request().headers()['if-match']).toBe('W/"1"');
  expect(answer.status()).toBe(200);
  await page.locator('[data-field=status]', { hasText: 'canceled' }).waitFor();
  expect(await page.locator('#timer-cancel').isHidden()).toBe(true);
  expect(await api<{ status: string }>('GET', `/timers/${id}`)).toMatchObject({ status: 'canceled', version: 2 });
});

it('filters by status and pages through 120 timers, each once', async () => {
  const timers = Array.from({ length: 120 }, () => ({
    hours: 3,
    url: `${origin()}/hooks/paged`,
    labels: { b: '120' },
  }));
  await api('POST', '/timers/batch', { timers });

  await goto(page, '#/timers?status=pending&label=b:120');
  const seen: string[] = [];
  for (let pageNo = 0; pageNo < 5; pageNo++) {
    await page.locator('#timers tbody tr[data-timer]').first().waitFor();
    const ids = await listedIds(page);
    expect(await page.$$eval('#timers td.status', (cells) => cells.every((c) => c.textContent === 'pending'))).toBe(
      true,
    );
    seen.push(...ids);
    if (await page.locator('#next-page').isDisabled()) break;
    await page.click('#next-page');
    await waitFor('the next page', async () => (await listedIds(page))[0] !== ids[0]);
  }
  expect(seen).toHaveLength(120);
  expect(new Set(seen).size).toBe(120);
  await page.screenshot({ path: path.join(DOCS, 'dashboard-list.png'), fullPage: false });
});

it('lists timers waiting for a retry with their next attempt time, not as overdue', async () => {
  const { id } = await api<{ id: string }>('POST', '/timers', { seconds: 0, url: `${origin()}/flaky/1` });
  await waitFor(
    'the first attempt to fail',
    async () => (await api<{ attempts: number }>('GET', `/timers/${id}`)).attempts === 1,
  );

  await goto(page, '#/retries');
  await page.locator(`#retries td[title="${id}"]`).waitFor();
  const cells = await page.$$eval(`#retries tr:has(td[title="${id}"]) td`, (tds) => tds.map((td) => td.textContent));
  expect(cells[2]).toMatch(/^in (\d+ min|\d+ s)$/);
  expect(cells[3]).toBe('1');
  expect(cells[4]).toBe('HTTP 503');
  // The zone is shown; the UTC toggle shows it in UTC.
  await page.check('#utc');
  await page.locator(`#retries tr:has(td[title="${id}"]) td:nth-child(2)`, { hasText: 'UTC' }).waitFor();
  await page.screenshot({ path: path.join(DOCS, 'dashboard-retries.png'), fullPage: true });
  await page.uncheck('#utc');
});

it('fits a 390 px wide screen on every page: nothing overflows horizontally', async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(`${base}/ui`);
  await phone.fill('#key', KEY);
  await phone.click('#login button[type=submit]');
  const { items } = await api<{ items: Array<{ id: string }> }>('GET', '/timers?status=pending&retrying=true&limit=1');
  for (const [hash, ready] of [
    ['#/', '#counts a'],
    ['#/timers', '#timers tbody tr[data-timer]'],
    ['#/retries', '#retries tbody tr'],
    [`#/timer/${items[0].id}`, '#attempts tbody tr[data-outcome]'],
  ]) {
    await goto(phone, hash);
    await phone.locator(ready).first().waitFor();
    await phone.waitForTimeout(200);
    const width = await phone.evaluate('document.documentElement.scrollWidth');
    expect({ hash, width }).toEqual({ hash, width: 390 });
    if (hash === '#/') await phone.screenshot({ path: path.join(DOCS, 'dashboard-phone.png'), fullPage: true });
  }
  await phone.close();
});
