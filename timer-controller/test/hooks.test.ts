/**
 * The hooks, on a fake clock. giveBack: a timer held ahead of its time (or due
 * and waiting for a slot) is taken out unsent for the api to change or cancel;
 * once its request has started it cannot be; a claim not here yet is promised
 * never to be sent. The gate: asked
 * once per attempt just before the request starts; it can let it go, have it
 * wait, or have it handed back. And containment: a request that cannot be built
 * fails that timer alone.
 */
import type { ClaimedTimer } from '@timer/shared';
import { GIVE_BACK_FALLBACK_MS } from '@timer/controller';
import type { DeliveryGate, GateVerdict } from '@timer/controller';
import { FakeRig, fakeRig } from './fakes/fakeRig';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
let rig: FakeRig;
afterEach(() => rig.stop());

describe('giveBack', () => {
  it('takes out a timer claimed ahead of its time: unsent, and says when it was due', async () => {
    rig = fakeRig();
    const start = rig.dbNow();
    const id = rig.add(900);
    rig.controller.start();
    await rig.clock.advance(100);
    expect(rig.row(id)).toMatchObject({ status: 'firing', leaseToken: 1 });

    expect(rig.controller.giveBack({ id, leaseToken: 1 })).toEqual({
      outcome: 'given_back',
      dueAt: new Date(start + 900),
    });

    // As the api's cancel does, fenced by that claim.
    Object.assign(rig.row(id), { status: 'canceled', dueAt: null, lockedBy: null });
    await rig.clock.advance(20_000);
    expect(rig.sender.of(id)).toEqual([]);
    expect(rig.row(id).status).toBe('canceled');
  });

  it('hands the timer back itself when the api never writes its change, so it is sent at its own time', async () => {
    rig = fakeRig();
    const start = rig.dbNow();
    const id = rig.add(900);
    rig.controller.start();
    await rig.clock.advance(100);
    expect(rig.controller.giveBack({ id, leaseToken: 1 }).outcome).toBe('given_back');

    await rig.clock.advance(GIVE_BACK_FALLBACK_MS - 101);
    expect(rig.row(id)).toMatchObject({ status: 'firing', leaseToken: 1 });
    await rig.clock.advance(2000);

    expect(rig.row(id)).toMatchObject({ status: 'fired', leaseToken: 2 });
    expect(rig.sendTimes(id, start)[0]).toBeGreaterThanOrEqual(GIVE_BACK_FALLBACK_MS);
  });

  it('takes out a due timer still waiting for a free slot, but not one whose request started', async () => {
    rig = fakeRig({ MAX_IN_FLIGHT: '1' });
    rig.sender.answer = () => 'hang';
    const busy = rig.add(100);
    const waiting = rig.add(100);
    rig.controller.start();
    await rig.clock.advance(200);

    expect(rig.controller.giveBack({ id: waiting, leaseToken: 1 }).outcome).toBe('given_back');
    expect(rig.controller.giveBack({ id: busy, leaseToken: 1 })).toEqual({ outcome: 'started' });
    expect(rig.row(busy)).toMatchObject({ status: 'firing', attempts: 1 });
  });

  it('answers started while the outcome of a sent request waits to be recorded', async () => {
    rig = fakeRig();
    rig.sender.answer = () => 200;
    const id = rig.add(100);
    rig.controller.start();
    await rig.clock.advance(101);

    // Delivered; the success waits in the batch of writes for a few milliseconds.
    expect(rig.sender.of(id)).toHaveLength(1);
    expect(rig.row(id).status).toBe('firing');
    expect(rig.controller.giveBack({ id, leaseToken: 1 })).toEqual({ outcome: 'started' });
  });

  it('promises never to send a claim it does not hold yet, and drops it when it arrives', async () => {
    rig = fakeRig();
    const id = rig.add(900);

    // The api read a claim (lease token 1) whose answer has not reached this controller.
    expect(rig.controller.giveBack({ id, leaseToken: 1 })).toEqual({ outcome: 'not_held' });
    rig.controller.start();
    await rig.clock.advance(5000);

    expect(rig.row(id)).toMatchObject({ status: 'firing', leaseToken: 1 });
    expect(rig.sender.of(id)).toEqual([]);
  });

  it('keeps a newer claim than the one the api asks about, and sends it', async () => {
    rig = fakeRig();
    const start = rig.dbNow();
    const id = rig.add(900);
    rig.controller.start();
    await rig.clock.advance(100);

    expect(rig.controller.giveBack({ id, leaseToken: 0 })).toEqual({ outcome: 'not_held' });
    await rig.clock.advance(2000);

    expect(rig.sendTimes(id, start)).toEqual([900]);
  });
});

describe('the gate', () => {
  function gateSaying(verdict: (timer: ClaimedTimer, asked: number) => GateVerdict) {
    const log: string[] = [];
    const gate: DeliveryGate = {
      check(timer) {
        const asked = log.filter((l) => l.startsWith(`check ${timer.id}`)).length + 1;
        log.push(`check ${timer.id} at ${rig.clock.now() - T0} with ${rig.sender.sent.length} sent`);
        return verdict(timer, asked);
      },
      done(timer) {
        log.push(`done ${timer.id} at ${rig.clock.now() - T0}`);
      },
    };
    return { gate, log };
  }

  it('is asked just before each request starts, and told when it is over', async () => {
    const { gate, log } = gateSaying(() => ({ verdict: 'allow' }));
    rig = fakeRig({}, { gate });
    rig.sender.answer = () => ({ status: 200, afterMs: 40 });
    const id = rig.add(1000);
    rig.controller.start();

    await rig.clock.advance(2000);

    expect(log).toEqual([`check ${id} at 1000 with 0 sent`, `done ${id} at 1040`]);
    expect(rig.sender.of(id).map((s) => s.at - T0)).toEqual([1000]);
  });

  it('can have a timer wait: it is sent when the gate lets it, on the same claim', async () => {
    const { gate } = gateSaying((_timer, asked) => (asked === 1 ? { verdict: 'wait', ms: 300 } : { verdict: 'allow' }));
    rig = fakeRig({}, { gate });
    const start = rig.dbNow();
    const id = rig.add(1000);
    rig.controller.start();

    await rig.clock.advance(2000);

    expect(rig.sendTimes(id, start)).toEqual([1300]);
    expect(rig.row(id)).toMatchObject({ status: 'fired', attempts: 1, leaseToken: 1 });
  });

  it('can have a timer handed back unsent', async () => {
    const { gate } = gateSaying(() => ({ verdict: 'hand_back', reason: 'destination busy' }));
    rig = fakeRig({ POLL_INTERVAL_MS: '5000', LOOKAHEAD_MS: '5000' }, { gate });
    const start = rig.dbNow();
    const id = rig.add(1000);
    rig.controller.start();

    await rig.clock.advance(1000);
    // Hand-backs by the gate wait for the others of the batch window (20 ms).
    expect(rig.row(id)).toMatchObject({ status: 'firing' });
    await rig.clock.advance(20);

    expect(rig.sender.sent).toEqual([]);
    // Due again at once: its own due time had passed when it was handed back.
    expect(rig.row(id)).toMatchObject({ status: 'pending', attempts: 0, lockedBy: null, dueAt: start + 1020 });
  });
});

describe('one timer whose request cannot be built', () => {
  it('fails that timer, says why, and the others due with it are sent', async () => {
    rig = fakeRig();
    const start = rig.dbNow();
    const bad = rig.add(1000, { url: 'http://%zz@receiver.test/hooks' });
    const good = rig.add(1000);

    rig.controller.start();
    await rig.clock.advance(2000);

    expect(rig.sender.of(bad)).toEqual([]);
    expect(rig.row(bad)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(rig.row(bad).lastError).toMatch(/^invalid webhook URL: url's user name has an invalid percent-encoding/);
    expect(rig.db.history.find((a) => a.timerId === bad)).toMatchObject({
      outcome: 'failed',
      errorClass: 'invalid_request',
      statusCode: null,
    });
    expect(rig.sendTimes(good, start)).toEqual([1000]);
  });

  it('retries a timer whose send throws, as an internal error', async () => {
    rig = fakeRig();
    rig.sender.answer = (_id, nth) => (nth === 1 ? { throws: new Error('socket exploded') } : 200);
    const start = rig.dbNow();
    const id = rig.add(1000);
    rig.controller.start();

    await rig.clock.advance(3000);

    expect(rig.sendTimes(id, start)).toEqual([1000, 1750]);
    expect(rig.db.history[0]).toMatchObject({
      outcome: 'retry',
      errorClass: 'internal',
      error: 'internal error while sending the request: Error: socket exploded',
    });
    expect(rig.row(id).status).toBe('fired');
  });
});
