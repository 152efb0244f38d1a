/**
 * SIGTERM: the controller stops claiming, lets in-flight requests finish within
 * SHUTDOWN_GRACE_MS, hands back what it could not finish, and exits 0. Nothing
 * is lost.
 */
import { select } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { insertTimers, statusCounts } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

let t: TestDatabase;
let receiver: Receiver;
const processes: ServiceProcess[] = [];

beforeEach(async () => {
  t = await createTestDatabase('shutdown');
  receiver = await startReceiver();
});

afterEach(async () => {
  await killAll(processes.splice(0));
  await receiver.close();
  await t.drop();
});

function start(env: Record<string, string>): ServiceProcess {
  const controller = spawnService('controller', { DATABASE_URL: t.url, POLL_INTERVAL_MS: '100', ...env });
  processes.push(controller);
  return controller;
}

it('finishes in-flight deliveries, records them, and exits 0', async () => {
  receiver.respond = () => ({ status: 200, delayMs: 800 });
  const controller = start({});
  await controller.waitForLog('Controller started');
  await insertTimers(t.db, 30, receiver.url, () => 0);
  await waitFor('deliveries in flight', () => receiver.deliveries.length === 30);

  controller.kill('SIGTERM');
  const exit = await controller.exited;

  expect(exit.code).toBe(0);
  expect(await statusCounts(t.db)).toEqual({ fired: 30 });
  expect(receiver.deliveries).toHaveLength(30);
});

it('hands back what it could not finish within the grace period, and another controller fires it', async () => {
  receiver.respond = () => 'hang';
  const first = start({ SHUTDOWN_GRACE_MS: '300', WEBHOOK_TIMEOUT_MS: '20000', LEASE_MS: '60000' });
  await first.waitForLog('Controller started');
  const ids = await insertTimers(t.db, 10, receiver.url, () => 0);
  await waitFor('deliveries in flight', () => receiver.deliveries.length === 10);

  first.kill('SIGTERM');
  expect((await first.exited).code).toBe(0);
  // Released at once, not left to a 60 s lease.
  expect(await statusCounts(t.db)).toEqual({ pending: 10 });
  expect(first.logs.some((l) => l.message.startsWith('Shutdown grace over'))).toBe(true);
  // The aborted requests stay in the history, handed back with their timers.
  const released = await select<{ outcome: string; error_class: string; status_code: number | null }>(
    t.db,
    5000,
    'SELECT outcome, error_class, status_code FROM timer_attempts',
  );
  expect(released).toEqual(Array(10).fill({ outcome: 'released', error_class: 'aborted', status_code: null }));

  receiver.respond = () => 200;
  start({});
  await waitFor('the released timers to fire', async () => (await statusCounts(t.db)).fired === 10, {
    timeoutMs: 15_000,
  });
  const delivered = receiver.deliveries.slice(10).map((d) => d.id);
  expect(new Set(delivered)).toEqual(new Set(ids));
});

it('does not claim new timers once told to stop', async () => {
  receiver.respond = () => ({ status: 200, delayMs: 500 });
  const controller = start({});
  await controller.waitForLog('Controller started');
  await insertTimers(t.db, 1, receiver.url, () => 0);
  await waitFor('a delivery in flight', () => receiver.deliveries.length === 1);

  controller.kill('SIGTERM');
  await controller.waitForLog('Controller stopped claiming');
  await insertTimers(t.db, 5, receiver.url, () => 0);
  expect((await controller.exited).code).toBe(0);

  expect(await statusCounts(t.db)).toEqual({ fired: 1, pending: 5 });
});
