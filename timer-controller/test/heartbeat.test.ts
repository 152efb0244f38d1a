/**
 * The heartbeat keeps the controller's row fresh with the load it reports (in
 * flight, held) for the dashboard's fleet view, every HEARTBEAT_MS, and removes
 * the row at stop.
 */
import winston from 'winston';
import { keepRegistered } from '../src/maintenance/heartbeat';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { FakeClock } from '../../test/helpers/fakeClock';
import { waitFor } from '../../test/helpers/wait';

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase('ctl_heartbeat');
});
afterEach(() => t.drop());

it('reports the load on every beat and leaves the table at stop', async () => {
  const clock = new FakeClock();
  let load = { inFlight: 3, held: 120 };
  const stop = keepRegistered(
    t.store.fleet,
    { id: 'ctl-beat', endpoint: 'http://127.0.0.1:1' },
    () => load,
    winston.createLogger({ silent: true }),
    clock,
  );
  const row = async () => (await t.store.fleet.all()).find((c) => c.id === 'ctl-beat');
  await waitFor('the first beat', async () => (await row())?.held === 120);
  expect(await row()).toMatchObject({ inFlight: 3, held: 120 });

  load = { inFlight: 0, held: 7 };
  await clock.advance(4999);
  expect(await row()).toMatchObject({ inFlight: 3, held: 120 });
  await clock.advance(1);
  await waitFor('the next beat', async () => (await row())?.held === 7);
  expect((await row())?.inFlight).toBe(0);

  await stop();
  expect(await row()).toBeUndefined();
});
