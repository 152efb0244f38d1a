/**
 * POST /timers/cancel, with ids or a label, keeps the contract of DELETE /timers/{id} for
 * timers a controller holds ahead of their time: the api asks the controller to
 * give each one back, and every timer answered canceled is never sent, past its
 * due time. Real api and controller processes on MariaDB; the timers are due
 * well after the controller takes them (LOOKAHEAD_MS), created once both
 * processes run, so a busy machine does not turn the race into a different test.
 */
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { newTimer, statusCounts } from './helpers/timers';
import { waitFor } from './helpers/wait';

const HELD = 20;
const DUE_IN_MS = 20_000;

let t: TestDatabase;
let receiver: Receiver;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('bulk_cancel_held');
  receiver = await startReceiver();
});

afterAll(async () => {
  await killAll(processes);
  await receiver?.close();
  await t?.drop();
});

it('cancels timers a controller holds ahead of their time: each given back, none sent', async () => {
  const env = { DATABASE_URL: t.url, REQUEST_TIMEOUT_MS: '60000' };
  const api = spawnService('api', env);
  const holder = spawnService('controller', {
    ...env,
    POLL_INTERVAL_MS: '100',
    LOOKAHEAD_MS: '60000',
    CONTROLLER_ID: 'bulk-holder',
  });
  processes.push(api, holder);
  const port = (await api.waitForLog('API listening')).port as number;
  await holder.waitForLog('Controller started');
  const timers = Array.from({ length: HELD }, () => newTimer(receiver.url, DUE_IN_MS));
  const labelled = Array.from({ length: HELD }, () => ({
    ...newTimer(receiver.url, DUE_IN_MS),
    labels: { run: 'held' },
  }));
  const other = newTimer(receiver.url, DUE_IN_MS);
  await t.store.timers.createBatch([...timers, ...labelled, other]);
  await waitFor('the controller to hold them all', async () => (await statusCounts(t.db)).firing === 2 * HELD + 1, {
    intervalMs: 50,
  });

  const cancel = async (body: object) => {
    const res = await fetch(`http://127.0.0.1:${port}/timers/cancel`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { results: Array<{ id: string; outcome: string }>; more: boolean };
  };

  const byIds = await cancel({ ids: timers.map((x) => x.id) });
  const byLabel = await cancel({ label: 'run:held' });

  expect(byIds.results).toEqual(timers.map((x) => expect.objectContaining({ id: x.id, outcome: 'canceled' })));
  expect(byLabel.more).toBe(false);
  expect(byLabel.results.map((r) => r.id).sort()).toEqual(labelled.map((x) => x.id).sort());
  expect(new Set(byLabel.results.map((r) => r.outcome))).toEqual(new Set(['canceled']));
  // The one not asked for stays held and fires at the same due time; the canceled ones never do.
  await waitFor('the timer not canceled to fire', async () => (await statusCounts(t.db)).fired === 1, {
    timeoutMs: 60_000,
  });
  expect([...timers, ...labelled].filter((x) => receiver.countById().has(x.id))).toEqual([]);
  expect(await statusCounts(t.db)).toEqual({ canceled: 2 * HELD, fired: 1 });
  expect(receiver.countById().get(other.id)).toBe(1);
}, 120_000);
