/**
 * Leases on a fake clock: a request is never started under a lease that could
 * run out before its time limit (the timer is handed back instead); a timer held
 * by a controller that died is taken over when its lease expires, not a
 * millisecond before; and a claim whose answer was lost is handed back as soon
 * as the database answers again, instead of a whole lease later.
 */
import { FakeRig, fakeRig } from './fakes/fakeRig';

let rig: FakeRig;
afterEach(() => rig.stop());

it('hands back a timer whose lease would run out mid-request, unsent, and sends it under a new claim', async () => {
  // One slot, busy for 3 s; the second timer's lease (12 s from its due time) leaves too
  // little for a 10 s request once the slot frees.
  rig = fakeRig({ MAX_IN_FLIGHT: '1', LEASE_MS: '12000', WEBHOOK_TIMEOUT_MS: '10000' });
  const start = rig.dbNow();
  const busy = rig.add(1000);
  const waiting = rig.add(1000);
  rig.sender.answer = (id) => (id === busy ? { status: 200, afterMs: 2000 } : 200);
  rig.controller.start();

  await rig.clock.advance(2999);
  expect(rig.sender.of(waiting)).toEqual([]);
  await rig.clock.advance(1);
  expect(rig.db.calls.filter((c) => c.method === 'releaseUnsent').map((c) => c.at - start)).toEqual([3000]);
  await rig.clock.advance(1000);

  expect(rig.sendTimes(busy, start)).toEqual([1000]);
  expect(rig.sendTimes(waiting, start)).toEqual([3000]); // claimed again by the poll at 3000
  expect(rig.row(waiting)).toMatchObject({ status: 'fired', attempts: 1, leaseToken: 2 });
});

it('takes over a timer held by a controller that died when its lease expires, not before', async () => {
  rig = fakeRig({ LEASE_MS: '30000' });
  const start = rig.dbNow();
  const id = rig.add(0);
  // Another controller claims it and dies before recording anything.
  await rig.db.claimDue({ owner: 'dead', limit: 1, leaseMs: 30_000, lookaheadMs: 0 });
  rig.controller.start();

  await rig.clock.advance(29_999);
  expect(rig.sender.sent).toEqual([]);
  await rig.clock.advance(1);

  expect(rig.sendTimes(id, start)).toEqual([30_000]);
  await rig.clock.advance(100);
  expect(rig.row(id)).toMatchObject({ status: 'fired', lockedBy: 'fake-controller', attempts: 2 });
  expect(rig.sender.of(id)[0].header('timer-lease')).toBe('2');
});

it('hands back the timers of a claim whose answer was lost as soon as the database answers again', async () => {
  rig = fakeRig({ LEASE_MS: '60000', DB_RETRY_BASE_MS: '200' });
  const start = rig.dbNow();
  const ids = [rig.add(0), rig.add(0), rig.add(0)];
  rig.db.failNext('claimDue', true); // commits, then the connection drops
  rig.controller.start();

  await rig.clock.advance(149);
  expect(ids.map((id) => rig.row(id).status)).toEqual(['firing', 'firing', 'firing']);
  expect(rig.sender.sent).toEqual([]);
  await rig.clock.advance(1);

  // The back-off (¾ of DB_RETRY_BASE_MS), then released and claimed again: not 60 s later.
  expect(ids.map((id) => rig.sendTimes(id, start))).toEqual([[150], [150], [150]]);
  await rig.clock.advance(100);
  expect(ids.map((id) => rig.row(id))).toEqual(
    ids.map(() => expect.objectContaining({ status: 'fired', attempts: 1 })),
  );
});

it('keeps an outcome it could not write and writes it once the database is back, without sending again', async () => {
  rig = fakeRig({ DB_RETRY_BASE_MS: '200' });
  const start = rig.dbNow();
  const id = rig.add(100);
  rig.db.failNext('completeFired');
  rig.db.failNext('completeFired');
  rig.controller.start();

  await rig.clock.advance(120);
  expect(rig.row(id).status).toBe('firing');
  await rig.clock.advance(1000);

  expect(rig.row(id).status).toBe('fired');
  expect(rig.sender.of(id)).toHaveLength(1);
  // The batch window (20 ms), then two failed tries ¾ of 200 and 400 ms apart.
  const writes = rig.db.calls.filter((c) => c.method === 'completeFired').map((c) => c.at - start);
  expect(writes).toEqual([120, 270, 570]);
});
