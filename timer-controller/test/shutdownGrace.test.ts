/**
 * Stopping on a fake clock: timers held but not sent are handed back at once,
 * their attempt taken back and due at their own time; requests in flight get
 * SHUTDOWN_GRACE_MS to finish; what is still in flight then is aborted and handed
 * back for another controller, its attempt kept in the history as released.
 */
import { FakeRig, fakeRig } from './fakes/fakeRig';

let rig: FakeRig;

it('hands back held timers unsent, lets a request in flight finish within the grace period, and records it', async () => {
  rig = fakeRig({ SHUTDOWN_GRACE_MS: '10000' });
  rig.sender.answer = () => ({ status: 200, afterMs: 3000 });
  const start = rig.dbNow();
  const sending = rig.add(1000);
  const held = rig.add(1800); // claimed ahead, not yet due
  rig.controller.start();
  await rig.clock.advance(1500);

  let stopped = false;
  const stopping = rig.controller.stop().then(() => (stopped = true));
  await rig.clock.settle();
  expect(rig.row(held)).toMatchObject({ status: 'pending', attempts: 0, lockedBy: null, dueAt: start + 1800 });
  await rig.clock.advance(2499);
  expect(stopped).toBe(false);
  await rig.clock.advance(1);
  await stopping;

  expect(rig.row(sending)).toMatchObject({ status: 'fired', attempts: 1 });
  expect(rig.sender.of(held)).toEqual([]);
  expect(rig.sender.closed).toBe(true);
});

it('aborts what is still in flight when the grace period ends, and hands it back for immediate re-delivery', async () => {
  rig = fakeRig({ SHUTDOWN_GRACE_MS: '2000' });
  rig.sender.answer = () => 'hang';
  const ids = [rig.add(500), rig.add(500)];
  rig.controller.start();
  await rig.clock.advance(1000);
  expect(rig.sender.open).toBe(2);

  const stopping = rig.controller.stop();
  await rig.clock.advance(1999);
  expect(rig.sender.open).toBe(2);
  await rig.clock.advance(1);
  expect(rig.sender.open).toBe(0);
  await rig.clock.advance(100);
  await stopping;

  for (const id of ids) {
    expect(rig.row(id)).toMatchObject({ status: 'pending', attempts: 1, lockedBy: null, dueAt: rig.clock.now() - 100 });
  }
  expect(rig.db.history.map((a) => [a.outcome, a.errorClass, a.statusCode, a.durationMs])).toEqual([
    ['released', 'aborted', null, 2500],
    ['released', 'aborted', null, 2500],
  ]);
});

it('does not claim once told to stop', async () => {
  rig = fakeRig();
  rig.controller.start();
  await rig.clock.advance(100);
  await rig.stop();
  const later = rig.add(0);

  await rig.clock.advance(5000);

  expect(rig.row(later).status).toBe('pending');
  expect(rig.db.calls.filter((c) => c.method === 'claimDue')).toHaveLength(1);
});
