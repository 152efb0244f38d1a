/**
 * DELETE /timers?label=… keeps the cancel contract while controllers claim the
 * same timers: 2,000 labelled timers due at once, three controller processes
 * claiming ten at a time, and cancels by label (50 per call, repeated until
 * nothing remains) racing them. Every timer the answers count as canceled is
 * canceled in the database and never delivered; every other timer fires once.
 * And timers a controller holds ahead of their time are given back and canceled,
 * as a DELETE of each would.
 */
import { createTestDatabase, TestDatabase } from './helpers/db';
import { InProcessApi, startInProcessApi } from './helpers/inProcessApi';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { newTimer, statusCounts } from './helpers/timers';
import { waitFor } from './helpers/wait';

const TIMERS = 2000;
const GROUPS = 10;

let t: TestDatabase;
let receiver: Receiver;
let processes: ServiceProcess[] = [];
let api: InProcessApi | undefined;

beforeAll(async () => {
  t = await createTestDatabase('label_cancel');
  receiver = await startReceiver();
});

afterAll(async () => {
  await killAll(processes);
  await api?.close();
  await receiver.close();
  await t.drop();
});

interface Canceled {
  canceled: number;
  not_cancelable: number;
  remaining: number;
}

it('a timer counted canceled by label is never delivered, while controllers claim the same timers', async () => {
  receiver.respond = () => ({ status: 200, delayMs: 30 });
  api = await startInProcessApi(t.url);
  const { port } = api;
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

it('cancels by label the timers a controller holds ahead of their time: given back, never sent', async () => {
  api ??= await startInProcessApi(t.url);
  const { port } = api;
  // Due far enough ahead that a controller starting on a busy machine still claims them early.
  const dueAt = Date.now() + 10_000;
  const timers = Array.from({ length: 100 }, () => ({ ...newTimer(receiver.url, 10_000), labels: { kind: 'held' } }));
  await t.store.timers.createBatch(timers);
  const holder = spawnService('controller', {
    DATABASE_URL: t.url,
    POLL_INTERVAL_MS: '100',
    LOOKAHEAD_MS: '30000',
    CONTROLLER_ID: 'label-holder',
  });
  processes.push(holder);
  await waitFor('the controller to hold them all', async () => (await statusCounts(t.db)).firing === 100, {
    intervalMs: 20,
  });

  const res = await fetch(`http://127.0.0.1:${port}/timers?label=kind:held`, { method: 'DELETE' });
  const answer = (await res.json()) as Canceled;

  expect(answer).toEqual({ canceled: 100, not_cancelable: 0, remaining: 0 });
  await new Promise((r) => setTimeout(r, dueAt + 2000 - Date.now())); // past their due time
  const seen = receiver.countById();
  expect(timers.filter((x) => seen.has(x.id))).toEqual([]);
  const [rows] = await t.db.raw("SELECT COUNT(*) AS n FROM timers WHERE status = 'canceled' AND labels LIKE '%held%'");
  expect(Number((rows as Array<{ n: number }>)[0].n)).toBe(100);
}, 60_000);
