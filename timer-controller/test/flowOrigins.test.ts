/**
 * What a receiver says about itself slows every timer sent to it, with a real
 * controller process: a 503 with Retry-After holds the whole origin back; a
 * receiver that is down for 10 s opens the circuit breaker, its timers then wait
 * without using up attempts (only single probes go), and all fire once it is back.
 */
import { select } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { insertTimers, statusCounts } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

let t: TestDatabase;
const receivers: Receiver[] = [];
const controllers: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('flow_origins');
  const env = { DATABASE_URL: t.url, BREAKER_FAILURES: '5', BREAKER_OPEN_MS: '2000', MAX_ATTEMPTS: '10' };
  controllers.push(spawnService('controller', { ...env, CONTROLLER_ID: 'origins-1' }));
  await controllers[0].waitForLog('Controller started');
});

afterAll(async () => {
  await killAll(controllers);
  await Promise.all(receivers.map((r) => r.close()));
  await t.drop();
});

it('a 503 with Retry-After: 2 holds back every timer to that origin for 2 s', async () => {
  let first = 0;
  const receiver = await startReceiver((_delivery, _nth) => {
    if (first === 0) {
      first = Date.now();
      return { status: 503, headers: { 'Retry-After': '2' } };
    }
    return 200;
  });
  receivers.push(receiver);
  const [lead] = await insertTimers(t.db, 1, receiver.url, () => 2000);
  const rest = await insertTimers(t.db, 20, receiver.url, () => 2300);

  await waitFor('every timer to be delivered', () => receiver.distinct === 21, { timeoutMs: 30_000 });

  const others = receiver.deliveries.filter((d) => d.id !== lead);
  const earliest = Math.min(...others.map((d) => d.arrivedAt));
  console.log(`Retry-After 2: first 503 at 0 ms, the origin's next request at ${earliest - first} ms`);
  expect(earliest - first).toBeGreaterThanOrEqual(1900);
  expect(new Set(others.map((d) => d.id))).toEqual(new Set(rest));
  // Held back before they were sent: none of the 20 used an attempt on the wait.
  const attempts = await select<{ n: number }>(
    t.db,
    5000,
    `SELECT MAX(attempts) AS n FROM timers WHERE id IN (${rest.map(() => '?').join(', ')})`,
    rest,
  );
  expect(Number(attempts[0].n)).toBe(1);
}, 60_000);

it('a receiver down for 10 s opens the breaker: no attempts while open, single probes, all fire after', async () => {
  let down = true;
  const receiver = await startReceiver(() => (down ? 'drop' : 200));
  receivers.push(receiver);
  // One timer every 100 ms for 15 s: without a breaker, every one due while down would fail an attempt.
  const ids = await insertTimers(t.db, 150, receiver.url, (i) => 2000 + i * 100);
  const start = Date.now() + 2000;
  setTimeout(() => (down = false), 12_000); // down from the first due time for 10 s

  await waitFor('every timer to be fired', async () => (await statusCounts(t.db)).fired === 21 + 150, {
    timeoutMs: 60_000,
  });

  const failedWhileDown = receiver.deliveries.filter((d) => d.arrivedAt < start + 10_000).length;
  const [opened] = controllers[0].logs.filter((l) => l.message === "Circuit breaker opened: the origin's timers wait");
  const [closed] = controllers[0].logs.filter((l) => l.message === 'Circuit breaker closed: the origin answers again');
  const counts = receiver.countById();
  console.log(
    `breaker: down 0–10,000 ms; ${failedWhileDown} requests reached it while down (150 due then); ` +
      `opened ${opened ? 'yes' : 'no'}, closed ${closed ? 'yes' : 'no'}; ` +
      `last delivery at ${Math.max(...receiver.deliveries.map((d) => d.arrivedAt)) - start} ms`,
  );
  expect(opened).toBeDefined();
  expect(closed).toBeDefined();
  // 5 failures open it; then one probe per BREAKER_OPEN_MS (2 s), a few at most in 10 s.
  expect(failedWhileDown).toBeLessThanOrEqual(15);
  expect(ids.every((id) => (counts.get(id) ?? 0) >= 1)).toBe(true);
  const failed = await select<{ n: number }>(t.db, 5000, "SELECT COUNT(*) AS n FROM timers WHERE status = 'failed'");
  expect(Number(failed[0].n)).toBe(0);
}, 90_000);
