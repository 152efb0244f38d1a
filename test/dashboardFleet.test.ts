/**
 * The dashboard's charts and fleet in a real browser (headless Chromium through
 * playwright-core) against a real api and two real controllers on MariaDB with
 * API keys on: the charts draw one bar group and one point per minute with the
 * numbers GET /ui/api/deliveries answers; the fleet view (an admin key) lists
 * both running controllers with the load their heartbeats reported, an origin
 * default of FLOW_DEFAULTS, a paused flow and one with its breaker open; at
 * 390 px nothing overflows (a tenant key). Screenshots go to docs/ (README
 * "Dashboard"). The rollups are written here directly: how controllers write
 * them is timer-controller/test/minuteRollups.test.ts.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { goto, login, openBrowser } from './helpers/browser';
import { LATENESS_COLUMNS } from '@timer/shared';
import type { RollupRow } from '@timer/shared';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';

const DOCS = path.join(__dirname, '..', 'docs');
const KEY = 'tk_dashboard_fleet_0123456789ab';
const ADMIN = 'tk_dashboard_fleet_admin_0123456';
const MINUTE = 60_000;

let t: TestDatabase;
let browser: Browser;
let page: Page;
let base: string;
const processes: ServiceProcess[] = [];

interface ChartMinute {
  minute: string;
  delivered: number;
  retried: number;
  failed: number;
  skipped: number;
  lateness_p50_ms: number | null;
  lateness_p99_ms: number | null;
}

beforeAll(async () => {
  t = await createTestDatabase('dashboard_fleet');
  const env = {
    DATABASE_URL: t.url,
    API_KEYS: KEY,
    ADMIN_API_KEYS: ADMIN,
    FLOW_DEFAULTS: 'http://slow.example:8080=rate:2',
  };
  const api = spawnService('api', env);
  processes.push(api);
  for (const id of ['fleet-1', 'fleet-2']) processes.push(spawnService('controller', { ...env, CONTROLLER_ID: id }));
  base = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;
  await Promise.all(processes.slice(1).map((p) => p.waitForLog('Controller started')));
  ({ browser, page } = await openBrowser());
  // The operator: an admin key sees every tenant's flows and the origin defaults.
  await login(page, base, ADMIN);
});

afterAll(async () => {
  await browser?.close();
  await killAll(processes);
  await t?.drop();
});

async function api<T>(route: string): Promise<T> {
  const res = await fetch(`${base}${route}`, { headers: { Authorization: `Bearer ${KEY}` } });
  if (res.status !== 200) throw new Error(`GET ${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Thirty minutes of deliveries by two controllers, busier and later towards the end. */
async function writeRollups(): Promise<void> {
  const now = Date.now() - (Date.now() % MINUTE);
  const rows: RollupRow[] = [];
  for (let i = 30; i >= 1; i--) {
    const lateness = new Array<number>(LATENESS_COLUMNS.length).fill(0);
    lateness[0] = 40 + i;
    lateness[3] = 30 - i;
    lateness[4 + Math.floor((30 - i) / 6)] = 3;
    for (const controllerId of ['fleet-1', 'fleet-2']) {
      rows.push({
        minute: new Date(now - i * MINUTE),
        tenant: 'default',
        controllerId,
        delivered: 60 + 3 * (30 - i),
        retried: i % 5,
        failed: i % 7 === 0 ? 2 : 0,
        skipped: i % 11 === 0 ? 1 : 0,
        lateness,
      });
    }
  }
  await t.store.rollups.add(rows);
}

it('draws deliveries per minute by outcome and lateness p50/p99 with the numbers the api answers', async () => {
  await writeRollups();
  // The page's default range: the last 3 hours.
  const chart = await api<{ minutes: ChartMinute[] }>('/ui/api/deliveries?hours=3');
  expect(chart.minutes).toHaveLength(30);

  await goto(page, '#/charts');
  await page.locator('#deliveries-chart g.bar').first().waitFor();

  const bars = await page.$$eval('#deliveries-chart g.bar', (groups) =>
    groups.map((g) => ({
      minute: g.getAttribute('data-minute'),
      delivered: Number(g.getAttribute('data-delivered')),
      retried: Number(g.getAttribute('data-retried')),
      failed: Number(g.getAttribute('data-failed')),
      skipped: Number(g.getAttribute('data-skipped')),
      heights: Object.fromEntries(
        [...g.querySelectorAll('rect')].map((r) => [r.getAttribute('data-outcome'), Number(r.getAttribute('height'))]),
      ),
    })),
  );
  expect(bars.map(({ heights: _, ...counts }) => counts)).toEqual(
    chart.minutes.map(({ minute, delivered, retried, failed, skipped }) => ({
      minute,
      delivered,
      retried,
      failed,
      skipped,
    })),
  );
  // Heights follow the counts on one scale: delivered and retried bars of a minute are in proportion.
  const max = Number(await page.getAttribute('#deliveries-chart', 'data-max'));
  for (const bar of bars) expect(bar.heights.delivered).toBeCloseTo((bar.delivered / max) * 152, 3);

  for (const [name, field] of [
    ['p50', 'lateness_p50_ms'],
    ['p99', 'lateness_p99_ms'],
  ] as const) {
    const points = await page.$$eval(`#lateness-chart .point.${name}`, (dots) =>
      dots.map((d) => ({ minute: d.getAttribute('data-minute'), ms: Number(d.getAttribute('data-ms')) })),
    );
    expect(points).toEqual(chart.minutes.map((m) => ({ minute: m.minute, ms: m[field] })));
  }
  // The axis says where the range starts and ends, with the zone.
  await page.check('#utc');
  await page.locator('#deliveries-to', { hasText: 'UTC' }).waitFor();
  await page.screenshot({ path: path.join(DOCS, 'dashboard-charts.png'), fullPage: true });
  await page.uncheck('#utc');
});

it('lists the running controllers with their reported load, and the flows with defaults and breaker', async () => {
  await t.store.flows.put('default', 'http://down.example:80', { parallelism: 4, rate: 20, burst: null });
  await t.store.flows.put('default', 'billing', { parallelism: 2, rate: null, burst: null });
  await t.store.flows.setPaused('default', 'billing', true);
  for (let i = 0; i < 3; i++) await t.store.flows.failed('http://down.example:80', { threshold: 3, openMs: 600_000 });

  await goto(page, '#/fleet');
  await page.locator('#controllers tr[data-controller="fleet-2"]').waitFor();

  const controllers = await page.$$eval('#controllers tbody tr[data-controller]', (rows) =>
    rows.map((r) => ({
      id: r.getAttribute('data-controller'),
      alive: r.getAttribute('data-alive'),
      inFlight: r.children[3].textContent,
      held: r.children[4].textContent,
    })),
  );
  expect(controllers.sort((a, b) => a.id!.localeCompare(b.id!))).toEqual([
    { id: 'fleet-1', alive: 'true', inFlight: '0', held: '0' },
    { id: 'fleet-2', alive: 'true', inFlight: '0', held: '0' },
  ]);
  const flows = await page.$$eval('#flows tbody tr[data-flow]', (rows) =>
    rows.map((r) => [...r.children].map((td) => td.textContent)),
  );
  expect(flows).toEqual([
    ['http://slow.example:8080', 'default, every tenant', '—', '2', 'running', '0', '0', ''],
    ['billing', 'default', '2', '—', 'paused', '0', '0', ''],
    ['http://down.example:80', 'default', '4', '20', 'running', '0', '0', expect.stringMatching(/^breaker until /)],
  ]);
  await page.screenshot({ path: path.join(DOCS, 'dashboard-fleet.png'), fullPage: true });
});

it('fits a 390 px wide screen on the charts and the fleet: nothing overflows horizontally', async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await login(phone, base, KEY);
  for (const [hash, ready] of [
    ['#/charts', '#deliveries-chart g.bar'],
    ['#/fleet', '#controllers tbody tr[data-controller]'],
  ]) {
    await goto(phone, hash);
    await phone.locator(ready).first().waitFor();
    await phone.waitForTimeout(200);
    const width = await phone.evaluate('document.documentElement.scrollWidth');
    expect({ hash, width }).toEqual({ hash, width: 390 });
    if (hash === '#/charts') {
      await phone.screenshot({ path: path.join(DOCS, 'dashboard-charts-phone.png'), fullPage: true });
    }
  }
  await phone.close();
});
