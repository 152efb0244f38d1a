/**
 * Pausing a flow, with a real controller process: while it is paused none of its
 * due timers is sent (they wait in the database, and say so); after the resume
 * every one is sent, oldest first, and another flow was never held up.
 */
import { originOf } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { insertTimers } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

let t: TestDatabase;
let paused: Receiver;
let other: Receiver;
const controllers: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('flow_pause');
  [paused, other] = await Promise.all([startReceiver(), startReceiver()]);
  controllers.push(spawnService('controller', { DATABASE_URL: t.url, CONTROLLER_ID: 'pause-1' }));
  await controllers[0].waitForLog('Controller started');
});

afterAll(async () => {
  await killAll(controllers);
  await Promise.all([paused.close(), other.close()]);
  await t.drop();
});

it('a paused flow sends nothing for 10 s; after the resume all of it goes, oldest first', async () => {
  const key = originOf(paused.url)!;
  // Parallelism 1 makes the order of arrival the order of sending.
  await t.store.flows.put('default', key, { parallelism: 1, rate: null, burst: null });
  await t.store.flows.setPaused('default', key, true);
  const ids = await insertTimers(t.db, 20, paused.url, (i) => 2000 + i * 10);
  const others = await insertTimers(t.db, 20, other.url, () => 2000);

  await waitFor('the other flow to be delivered', () => other.distinct === others.length, { timeoutMs: 20_000 });
  const pausedAt = Date.now();
  await waitFor(
    'the paused timers to be parked',
    async () => (await t.store.flows.find('default', key))!.waiting === 20,
    {
      timeoutMs: 10_000,
    },
  );
  expect(await t.store.timers.find(ids[0])).toMatchObject({ status: 'pending', waiting: 'paused' });
  while (Date.now() - pausedAt < 10_000) {
    expect(paused.deliveries).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 500));
  }

  await t.store.flows.setPaused('default', key, false);
  await waitFor('every paused timer to be delivered', () => paused.distinct === ids.length, { timeoutMs: 30_000 });
  expect(paused.deliveries.map((d) => d.id)).toEqual(ids);
}, 90_000);
