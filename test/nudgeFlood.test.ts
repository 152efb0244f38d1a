/**
 * POST /nudge is open to the controller's network (to whoever holds INTERNAL_TOKEN:
 * the flood here carries it, so every nudge is a real one). A flood of it once turned into
 * one claim transaction per nudge (14,635 claims in 10 s), and the api's creates
 * slowed tenfold behind them. Now nudges coalesce: for 10 s of flood a controller
 * runs at most one early claim per NUDGE_MIN_INTERVAL_MS (50 ms) besides its
 * regular polls — at most 10,000 / 50 + 10,000 / 500 = 220 claims, and the test
 * allows 10 more for the edges — and creates through the api keep their latency:
 * p99 within 2× of the same run's idle p99, with 50 ms of slack here because on
 * a shared two-core machine the flood itself takes a core (`npm run bench --
 * nudge` measures the ratio on its own). The spacing itself is tested on a fake
 * clock in timer-controller/test/pollLoop.test.ts.
 */
import { createTestDatabase, TestDatabase } from './helpers/db';
import { claimsSoFar, createLatencies, floodPosts } from './helpers/flood';
import { killAll, ServiceProcess, spawnService, TEST_INTERNAL_TOKEN } from './helpers/processes';
import { percentile } from './helpers/timers';

const FLOOD_MS = 10_000;
const SPACING_MS = 50;
const POLL_MS = 500;

let t: TestDatabase;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('nudge_flood');
});

afterAll(async () => {
  await killAll(services);
  await t.drop();
});

it('a 10 s flood of nudges costs a bounded number of claims, and creates keep their latency', async () => {
  const env = { DATABASE_URL: t.url, POLL_INTERVAL_MS: String(POLL_MS), NUDGE_MIN_INTERVAL_MS: String(SPACING_MS) };
  const controller = spawnService('controller', env);
  const api = spawnService('api', env);
  services.push(controller, api);
  const controllerUrl = `http://127.0.0.1:${(await controller.waitForLog('Controller health server listening')).port as number}`;
  const apiUrl = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;
  await controller.waitForLog('Controller started');

  await createLatencies(apiUrl, 1000); // warm up
  const idle = await createLatencies(apiUrl, 4000);

  const claimsBefore = await claimsSoFar(controllerUrl);
  const [nudges, busy] = await Promise.all([
    floodPosts(`${controllerUrl}/nudge`, FLOOD_MS, { authorization: `Bearer ${TEST_INTERNAL_TOKEN}` }),
    createLatencies(apiUrl, FLOOD_MS),
  ]);
  const claims = (await claimsSoFar(controllerUrl)) - claimsBefore;

  // A flood of accepted nudges, even on a busy machine (a quiet one sends 7,000-8,000).
  expect(nudges).toBeGreaterThan(500);
  expect(claims).toBeLessThanOrEqual(FLOOD_MS / SPACING_MS + FLOOD_MS / POLL_MS + 10);
  expect(percentile(busy, 99)).toBeLessThanOrEqual(2 * percentile(idle, 99) + 50);
  expect(controller.child.exitCode).toBeNull();
}, 60_000);
