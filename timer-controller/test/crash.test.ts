/**
 * A controller killed with SIGKILL while it holds timers: nothing is lost. The
 * timers it held fire after their lease expires, through another controller.
 */
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { insertTimers, statusCounts } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

const LEASE_MS = 3000;
let t: TestDatabase;
let receiver: Receiver;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('crash');
  receiver = await startReceiver();
});

afterAll(async () => {
  await killAll(processes);
  await receiver.close();
  await t.drop();
});

it('timers held by a controller killed with SIGKILL fire after the lease expires', async () => {
  const env = { DATABASE_URL: t.url, LEASE_MS: String(LEASE_MS), WEBHOOK_TIMEOUT_MS: '2000', POLL_INTERVAL_MS: '100' };
  // The receiver holds every request open: the first controller is mid-delivery when it dies.
  receiver.respond = () => 'hang';
  const doomed = spawnService('controller', { ...env, CONTROLLER_ID: 'doomed' });
  processes.push(doomed);
  await doomed.waitForLog('Controller started');

  const ids = await insertTimers(t.db, 50, receiver.url, () => 0);
  await waitFor('the doomed controller to be sending all 50', () => receiver.deliveries.length === 50);
  const [held] = await t.db.raw("SELECT COUNT(*) AS n FROM timers WHERE status = 'firing' AND locked_by = 'doomed'");
  expect(Number((held as Array<{ n: number }>)[0].n)).toBe(50);

  const killedAt = Date.now();
  doomed.kill('SIGKILL');
  expect((await doomed.exited).signal).toBe('SIGKILL');

  receiver.respond = () => 200;
  const survivor = spawnService('controller', { ...env, CONTROLLER_ID: 'survivor' });
  processes.push(survivor);

  await waitFor('every timer to be fired', async () => (await statusCounts(t.db)).fired === 50, { timeoutMs: 30_000 });

  const resent = receiver.deliveries.filter((d) => d.arrivedAt >= killedAt);
  expect(new Set(resent.map((d) => d.id))).toEqual(new Set(ids));
  // Not before the lease ran out: the lease, not luck, kept the survivor away.
  const firstResend = Math.min(...resent.map((d) => d.arrivedAt));
  expect(firstResend - killedAt).toBeGreaterThanOrEqual(LEASE_MS - 2000);
  // Second delivery of each carries the same Idempotency-Key as the first.
  for (const d of resent) expect(d.headers['idempotency-key']).toBe(d.id);

  const [rows] = await t.db.raw('SELECT DISTINCT locked_by, attempts FROM timers');
  expect(rows).toEqual([{ locked_by: 'survivor', attempts: 2 }]);
});
