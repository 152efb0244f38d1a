/**
 * Claim-ahead on a fake clock, with the default settings (POLL_INTERVAL_MS 500,
 * LOOKAHEAD_MS 1000): a timer is claimed at a poll before it is due and sent on
 * its very millisecond of database time, not at the next poll; a nudge brings a
 * poll forward, and a flood of nudges is one early poll; a host clock minutes off
 * still sends on database time once the offset is known.
 */
import { DbClock } from '@timer/shared';
import { FakeRig, fakeRig } from './fakes/fakeRig';

let rig: FakeRig;
afterEach(() => rig.stop());

it('claims a timer ahead of its time and sends it on its millisecond, not at a poll', async () => {
  rig = fakeRig();
  const start = rig.dbNow();
  const dueIn = [1237, 1501, 2999, 3000, 4321];
  const ids = dueIn.map((ms) => rig.add(ms));
  rig.controller.start();

  await rig.clock.advance(1236);
  expect(rig.sender.sent).toEqual([]);
  expect(rig.row(ids[0]).status).toBe('firing'); // claimed by the poll at 500
  await rig.clock.advance(1);
  expect(rig.sendTimes(ids[0], start)).toEqual([1237]);
  await rig.clock.advance(5000);

  expect(ids.map((id) => rig.sendTimes(id, start))).toEqual(dueIn.map((ms) => [ms]));
  expect(ids.map((id) => rig.row(id).status)).toEqual(dueIn.map(() => 'fired'));
});

it('records each success with its attempt: when it left, how late, what came back', async () => {
  rig = fakeRig({ CONTROLLER_ID: 'ctl-7' });
  const start = rig.dbNow();
  const id = rig.add(800);
  rig.controller.start();

  await rig.clock.advance(2000);

  expect(rig.db.history).toEqual([
    expect.objectContaining({
      timerId: id,
      attempt: 1,
      leaseToken: 1,
      startedAt: new Date(start + 800),
      latenessMs: 0,
      statusCode: 200,
      outcome: 'delivered',
      controllerId: 'ctl-7',
    }),
  ]);
});

it('fires a timer due before the next poll at once when nudged', async () => {
  rig = fakeRig({ POLL_INTERVAL_MS: '10000', LOOKAHEAD_MS: '10000' });
  rig.controller.start();
  await rig.clock.advance(10);
  const start = rig.dbNow();
  const id = rig.add(100);

  rig.controller.nudge();
  await rig.clock.advance(1000);

  expect(rig.sendTimes(id, start)).toEqual([100]);
});

it('turns a flood of nudges into one early poll at a time, at least 50 ms apart', async () => {
  rig = fakeRig();
  rig.controller.start();
  await rig.clock.advance(100);
  const t0 = rig.dbNow() - 100;

  for (let i = 0; i < 1000; i++) rig.controller.nudge();
  await rig.clock.advance(20);
  for (let i = 0; i < 1000; i++) rig.controller.nudge();
  await rig.clock.advance(580);

  const polls = rig.db.calls.filter((c) => c.method === 'claimDue').map((c) => c.at - t0);
  // The poll at start, one at the flood, one 50 ms later for the nudges since, then the next regular poll.
  expect(polls).toEqual([0, 100, 150, 650]);
});

describe('a host clock five minutes off the database', () => {
  it.each([
    ['fast', -5 * 60_000],
    ['slow', 5 * 60_000],
  ])('(%s) sends each timer on database time once the offset is measured', async (_, dbAheadMs) => {
    rig = fakeRig({}, { dbAheadMs });
    const start = rig.dbNow();
    const ids = [1000, 1033, 2500].map((ms) => rig.add(ms));
    rig.controller.start();

    await rig.clock.advance(3000);

    expect(ids.map((id) => rig.sendTimes(id, start))).toEqual([[1000], [1033], [2500]]);
  });

  it('without the measured offset, a fast host would send what it claimed ahead too early', async () => {
    // The claim is still decided on the database's clock; only the wheel reads the host's.
    rig = fakeRig({}, { dbAheadMs: -5 * 60_000, dbClock: (host) => new DbClock(host, 0) });
    const start = rig.dbNow();
    const id = rig.add(1000);
    rig.controller.start();

    await rig.clock.advance(3000);

    expect(rig.sendTimes(id, start)).toEqual([0]); // claimed at the first poll, 1000 ms ahead, and sent at once
  });
});
