/**
 * Claim-ahead across real processes: a controller that polls only every few
 * seconds still sends each timer on its due moment, because it claims timers
 * ahead of time and holds them in its wheel; a timer due before the next poll is
 * announced by the api (a nudge) instead of waiting for it. The exact
 * millisecond is asserted on a fake clock (claimAhead.test.ts); here the bounds
 * are generous, and only tell "on time" from "at the next poll".
 */
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { insertTimers, statusCounts } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

let t: TestDatabase;
let receiver: Receiver;
const processes: ServiceProcess[] = [];

beforeEach(async () => {
  t = await createTestDatabase('precision');
  receiver = await startReceiver();
});

afterEach(async () => {
  await killAll(processes.splice(0));
  await receiver.close();
  await t.drop();
});

function start(kind: 'api' | 'controller', env: Record<string, string> = {}): ServiceProcess {
  const service = spawnService(kind, { DATABASE_URL: t.url, ...env });
  processes.push(service);
  return service;
}

async function fireAtOf(id: string): Promise<number> {
  const timer = await t.store.timers.find(id);
  return timer!.fireAt.getTime();
}

it('sends timers claimed ahead on their due moment, not at the next poll', async () => {
  // Polls every 6 s: written straight to the table (no nudge) due 7–9 s from now, between the
  // second poll and the third, each timer would be 3–5 s late without claiming ahead.
  const controller = start('controller', { POLL_INTERVAL_MS: '6000', LOOKAHEAD_MS: '12000' });
  await controller.waitForLog('Controller started');
  const ids = await insertTimers(t.db, 20, receiver.url, (i) => 7000 + i * 97);

  await waitFor('all 20 to fire', async () => (await statusCounts(t.db)).fired === 20, { timeoutMs: 30_000 });
  for (const id of ids) {
    const delivery = receiver.deliveries.find((d) => d.id === id)!;
    const lateness = delivery.arrivedAt - (await fireAtOf(id));
    expect(lateness).toBeGreaterThanOrEqual(-5);
    expect(lateness).toBeLessThan(2500);
  }
});

it('fires a timer created due before the next poll at once, through a nudge from the api', async () => {
  const controller = start('controller', { POLL_INTERVAL_MS: '10000', LOOKAHEAD_MS: '10000' });
  const api = start('api', { POLL_INTERVAL_MS: '10000', LOOKAHEAD_MS: '10000' });
  await controller.waitForLog('Controller started');
  const port = (await api.waitForLog('API listening')).port as number;
  // Let the controller finish its first (empty) poll and register itself.
  await waitFor('the controller to register', async () => (await t.store.fleet.liveEndpoints(15_000)).length === 1);

  for (const seconds of [0, 1]) {
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/timers`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ seconds, url: receiver.url }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const delivery = await waitFor(`timer due in ${seconds} s to arrive`, () =>
      receiver.deliveries.find((d) => d.id === id),
    );
    // Far sooner than the 10 s poll.
    expect(delivery.arrivedAt - started).toBeLessThan(seconds * 1000 + 5000);
    expect(delivery.arrivedAt - (await fireAtOf(id))).toBeLessThan(5000);
  }
});

it('on SIGTERM hands back timers claimed ahead, unsent and with their attempt taken back', async () => {
  const controller = start('controller', { POLL_INTERVAL_MS: '100', LOOKAHEAD_MS: '20000' });
  await controller.waitForLog('Controller started');
  await insertTimers(t.db, 10, receiver.url, () => 15_000);
  await waitFor('the timers to be held', async () => (await statusCounts(t.db)).firing === 10);

  controller.kill('SIGTERM');
  expect((await controller.exited).code).toBe(0);

  const [rows] = await t.db.raw('SELECT DISTINCT status, attempts, locked_by FROM timers');
  expect(rows).toEqual([{ status: 'pending', attempts: 0, locked_by: null }]);
  expect(receiver.deliveries).toHaveLength(0);
});
