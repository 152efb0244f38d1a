/**
 * What the next issues build on, on a fake clock. giveBack: a timer held ahead
 * of its time (or due and waiting for a slot) can be handed back unsent, its
 * attempt taken back; once its request has started it cannot. The gate: asked
 * once per attempt just before the request starts; it can let it go, have it
 * wait, or have it handed back. And containment: a request that cannot be built
 * fails that timer alone.
 */
import type { ClaimedTimer } from '@timer/shared';
import type { DeliveryGate, GateVerdict } from '@timer/controller';
import { FakeRig, fakeRig } from './fakes/fakeRig';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
let rig: FakeRig;
afterEach(() => rig.stop());

describe('giveBack', () => {
  it('hands back a timer claimed ahead of its time: unsent, attempt taken back, due at its own time', async () => {
    rig = fakeRig();
    const start = rig.dbNow();
    const id = rig.add(900);
    rig.controller.start();
    await rig.clock.advance(100);
    expect(rig.row(id).status).toBe('firing');

    expect(await rig.controller.giveBack(id)).toBe('given_back');

    expect(rig.row(id)).toMatchObject({ status: 'pending', attempts: 0, lockedBy: null, dueAt: start + 900 });
    // As the api's cancel would, now that no controller holds it.
    Object.assign(rig.row(id), { status: 'canceled', dueAt: null });
    await rig.clock.advance(5000);
    expect(rig.sender.of(id)).toEqual([]);
  });

  it('hands back a due timer still waiting for a free slot', async () => {
    rig = fakeRig({ MAX_IN_FLIGHT: '1' });
    rig.sender.answer = () => 'hang';
    const busy = rig.add(100);
    const waiting = rig.add(100);
    rig.controller.start();
    await rig.clock.advance(200);

    expect(await rig.controller.giveBack(waiting)).toBe('given_back');
    expect(await rig.controller.giveBack(busy)).toBe('started');
    expect(rig.row(waiting)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('refuses once the request has started, and knows nothing of a timer it does not hold', async () => {
    rig = fakeRig();
    rig.sender.answer = () => 'hang';
    const id = rig.add(100);
    rig.controller.start();
    await rig.clock.advance(100);

    expect(await rig.controller.giveBack(id)).toBe('started');
    expect(await rig.controller.giveBack('019a0000-0000-7000-8000-000000000000')).toBe('not_held');
    expect(rig.row(id)).toMatchObject({ status: 'firing', attempts: 1 });
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

    expect(rig.sender.sent).toEqual([]);
    expect(rig.row(id)).toMatchObject({ status: 'pending', attempts: 0, lockedBy: null, dueAt: start + 1000 });
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
