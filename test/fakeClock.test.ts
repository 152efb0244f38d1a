/**
 * The fake clock the controller's tests run on: timers fire in order at their own
 * moment, what each sets off runs before the next, sleeps end early on abort,
 * and nothing fires before its time.
 */
import { settlesWithin } from '@timer/shared';
import { FakeClock } from './helpers/fakeClock';

describe('FakeClock', () => {
  it('fires timers in order of their moment, each seeing its own now, and none early', async () => {
    const clock = new FakeClock(0);
    const fired: Array<[string, number]> = [];
    clock.setTimer(300, () => fired.push(['c', clock.now()]));
    clock.setTimer(100, () => fired.push(['a', clock.now()]));
    clock.setTimer(100, () => fired.push(['b', clock.now()]));

    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(201);

    expect(fired).toEqual([
      ['a', 100],
      ['b', 100],
      ['c', 300],
    ]);
    expect(clock.now()).toBe(300);
  });

  it('runs the promise callbacks a timer sets off before the next timer fires', async () => {
    const clock = new FakeClock(0);
    const seen: string[] = [];
    clock.setTimer(10, () => void Promise.resolve().then(() => seen.push('after first')));
    clock.setTimer(20, () => seen.push('second'));

    await clock.advance(20);

    expect(seen).toEqual(['after first', 'second']);
  });

  it('fires a timer set on the way if it falls within the advance, and keeps a cleared one from firing', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimer(10, () => clock.setTimer(15, () => fired.push(clock.now())));
    const cleared = clock.setTimer(20, () => fired.push(-1));
    clock.clearTimer(cleared);

    await clock.advance(30);

    expect(fired).toEqual([25]);
    expect(clock.timers).toBe(0);
  });

  it('sleeps until the time has passed, or until aborted', async () => {
    const clock = new FakeClock(0);
    const woke: number[] = [];
    void clock.sleep(500).then(() => woke.push(clock.now()));
    const abort = new AbortController();
    void clock.sleep(10_000, abort.signal).then(() => woke.push(clock.now()));

    await clock.advance(499);
    expect(woke).toEqual([]);
    await clock.advance(1);
    abort.abort();
    await clock.settle();

    expect(woke).toEqual([500, 500]);
  });

  it('times a promise out on its own timers', async () => {
    const clock = new FakeClock(0);
    const never = new Promise(() => undefined);
    const outcome = settlesWithin(clock, never, 1000);

    await clock.advance(1000);

    expect(await outcome).toBe(false);
    expect(await settlesWithin(clock, Promise.resolve(), 1000)).toBe(true);
  });
});
