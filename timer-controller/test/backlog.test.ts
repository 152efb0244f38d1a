/**
 * Timers that came due while no controller ran fire, oldest first, as soon as one
 * starts; and the rate is bounded by the controller's in-flight limit.
 */
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { insertTimers, statusCounts } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

let t: TestDatabase;
let receiver: Receiver;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('backlog');
  receiver = await startReceiver();
});

afterAll(async () => {
  await killAll(processes);
  await receiver.close();
  await t.drop();
});

it('fires timers missed while no controller ran, oldest first, never more at once than MAX_IN_FLIGHT', async () => {
  // 40 timers, overdue by 40 s down to 1 s, inserted in shuffled order.
  const overdueSeconds = Array.from({ length: 40 }, (_, i) => 40 - i).sort(() => Math.random() - 0.5);
  const ids = await insertTimers(t.db, 40, receiver.url, (i) => -overdueSeconds[i] * 1000);
  const oldestFirst = ids
    .map((id, i) => ({ id, overdue: overdueSeconds[i] }))
    .sort((a, b) => b.overdue - a.overdue)
    .map((x) => x.id);

  let open = 0;
  let maxOpen = 0;
  receiver.respond = () => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    setTimeout(() => (open -= 1), 20);
    return { status: 200, delayMs: 20 };
  };
  const controller = spawnService('controller', { DATABASE_URL: t.url, MAX_IN_FLIGHT: '1', CLAIM_BATCH_SIZE: '5' });
  processes.push(controller);

  await waitFor('all 40 to fire', async () => (await statusCounts(t.db)).fired === 40, { timeoutMs: 60_000 });
  expect(receiver.deliveries.map((d) => d.id)).toEqual(oldestFirst);
  expect(maxOpen).toBe(1);
});
