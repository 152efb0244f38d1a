/**
 * DELETE /timers?label=… keeps the cancel contract while controllers claim the
 * same timers: 2,000 labelled timers due at once, three controller processes
 * claiming ten at a time, and cancels by label (50 per call, repeated until
 * nothing remains) racing them. Every timer the answers count as canceled is
 * canceled in the database and never delivered; every other timer fires once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDb, createSilentLogger, loadConfig, Store } from '@timer/shared';
import { createApp } from '@timer/api';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { newTimer, statusCounts } from './helpers/timers';
import { waitFor } from './helpers/wait';

const TIMERS = 2000;
const GROUPS = 10;

let t: TestDatabase;
let receiver: Receiver;
let processes: ServiceProcess[] = [];
let api: http.Server;
let apiStore: Store;

beforeAll(async () => {
  t = await createTestDatabase('label_cancel');
  receiver = await startReceiver();
});

afterAll(async () => {
  await killAll(processes);
  await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()));
  await apiStore?.db.destroy();
  await receiver.close();
  await t.drop();
});

/** The api in this process, with time limits far above what a busy machine needs. */
async function startApi(): Promise<number> {
  const config = loadConfig({
    DATABASE_URL: t.url,
    DB_ACQUIRE_TIMEOUT_MS: '60000',
    DB_QUERY_TIMEOUT_MS: '60000',
    REQUEST_TIMEOUT_MS: '120000',
  });
  apiStore = new Store(createDb(config), config.dbQueryTimeoutMs);
  api = http.createServer(createApp({ config, store: apiStore, logger: createSilentLogger(), nudger: { nudge() {} } }));
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', () => resolve()));
  return (api.address() as AddressInfo).port;
}

interface Canceled {
  canceled: number;
  not_cancelable: number;
  remaining: number;
}

it('a timer counted canceled by label is never delivered, while controllers claim the same timers', async () => {
  receiver.respond = () => ({ status: 200, delayMs: 30 });
  const port = await startApi();
  // Due now, in ten groups; a timer's id says its group.
  const timers = Array.from({ length: TIMERS }, (_, i) => ({
    ...newTimer(receiver.url, -1000),
    labels: { group: String(i % GROUPS), kind: 'race' },
  }));
  await t.store.timers.createBatch(timers);
  const env = {
    DATABASE_URL: t.url,
    POLL_INTERVAL_MS: '50',
    LOOKAHEAD_MS: '50',
    CLAIM_BATCH_SIZE: '10',
    MAX_IN_FLIGHT: '10',
    MAX_HELD: '10',
  };
  processes = [1, 2, 3].map((n) => spawnService('controller', { ...env, CONTROLLER_ID: `label-racer-${n}` }));
  await waitFor('the first claims', async () => ((await statusCounts(t.db)).firing ?? 0) > 0, { intervalMs: 5 });

  let canceled = 0;
  let calls = 0;
  await Promise.all(
    Array.from({ length: GROUPS }, async (_, group) => {
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${port}/timers?label=kind:race&label=group:${group}&limit=50`, {
          method: 'DELETE',
        });
        expect(res.status).toBe(200);
        const answer = (await res.json()) as Canceled;
        calls += 1;
        canceled += answer.canceled;
        if (answer.remaining === 0) return;
      }
    }),
  );

  // Both sides won: the race was run, not avoided.
  expect(canceled).toBeGreaterThan(0);
  expect(canceled).toBeLessThan(TIMERS);
  expect(calls).toBeGreaterThan(GROUPS);
  await waitFor(
    'every timer not canceled to fire',
    async () => (await statusCounts(t.db)).fired === TIMERS - canceled,
    {
      timeoutMs: 90_000,
    },
  );
  // Stopped, the controllers have sent everything they ever will.
  for (const p of processes) p.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));

  expect(await statusCounts(t.db)).toEqual({ canceled, fired: TIMERS - canceled });
  const [rows] = await t.db.raw("SELECT id FROM timers WHERE status = 'canceled'");
  const seen = receiver.countById();
  for (const { id } of rows as Array<{ id: string }>) expect(seen.has(id)).toBe(false);
  const fired = timers.filter((x) => seen.has(x.id));
  expect(fired).toHaveLength(TIMERS - canceled);
  for (const x of fired) expect(seen.get(x.id)).toBe(1);
}, 150_000);
