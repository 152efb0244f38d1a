/**
 * Three controller processes on one database, 2,000 timers due within a few
 * seconds: every timer is delivered exactly once.
 */
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { insertTimers, statusCounts } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

const COUNT = 2000;
let t: TestDatabase;
let receiver: Receiver;
const controllers: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('fleet');
  receiver = await startReceiver();
});

afterAll(async () => {
  await killAll(controllers);
  await receiver.close();
  await t.drop();
});

it('three controllers fire each of 2,000 timers exactly once', async () => {
  // A request time limit no busy test machine reaches: a receiver answering too late would be
  // sent the timer again (the guarantee allows it), and that is not what this test is about.
  const env = { DATABASE_URL: t.url, WEBHOOK_TIMEOUT_MS: '30000', LEASE_MS: '60000' };
  for (let i = 0; i < 3; i++) {
    controllers.push(spawnService('controller', { ...env, CONTROLLER_ID: `fleet-${i}` }));
  }
  // All three polling before the timers come due, so all three compete for them.
  await Promise.all(controllers.map((c) => c.waitForLog('Controller started')));

  const ids = await insertTimers(t.db, COUNT, receiver.url, (i) => 1000 + (i % 2000));

  await waitFor('every timer to be fired', async () => (await statusCounts(t.db)).fired === COUNT, {
    timeoutMs: 60_000,
  });

  const counts = receiver.countById();
  expect(counts.size).toBe(COUNT);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect(new Set(ids)).toEqual(new Set(counts.keys()));

  // The work really was shared: each controller fired some of them.
  const [rows] = await t.db.raw('SELECT locked_by, COUNT(*) AS n FROM timers GROUP BY locked_by');
  const byController = rows as Array<{ locked_by: string; n: number }>;
  expect(byController.map((r) => r.locked_by).sort()).toEqual(['fleet-0', 'fleet-1', 'fleet-2']);

  for (const c of controllers) expect(c.child.exitCode).toBeNull();
});
