/**
 * The wheel on a fake clock: it hands each timer on at its due millisecond on the
 * database clock — never before, even when the clock's offset is uncertain — in
 * due order, and gives back by id a timer it still holds.
 */
import { DbClock } from '@timer/shared';
import type { ClaimedTimer } from '@timer/shared';
import { Held, Removal, Wheel, WheelSink } from '@timer/controller';
import { FakeClock } from '../../test/helpers/fakeClock';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

function held(id: string, dueMs: number): Held {
  const timer = { id, dueAt: new Date(dueMs), fireAt: new Date(dueMs) } as ClaimedTimer;
  return { timer, dueMs, leaseEndsMs: dueMs + 30_000 };
}

/** Records what the wheel hands on, and when; answers for what it was handed. */
function recordingSink(clock: FakeClock) {
  const taken: Array<{ id: string; at: number }> = [];
  const sink: WheelSink = {
    take: (due) => due.forEach((h) => taken.push({ id: h.timer.id, at: clock.now() - T0 })),
    withdraw: (id): Removal => (taken.some((t) => t.id === id) ? { outcome: 'started' } : { outcome: 'not_held' }),
  };
  return { sink, taken };
}

describe('the wheel', () => {
  it('hands each timer on at its millisecond, in due order, and not a millisecond before', async () => {
    const clock = new FakeClock(T0);
    const { sink, taken } = recordingSink(clock);
    const wheel = new Wheel(new DbClock(clock), sink);

    wheel.hold([held('c', T0 + 1500), held('a', T0 + 1000), held('b', T0 + 1000)]);
    await clock.advance(999);
    expect(taken).toEqual([]);
    await clock.advance(1);
    expect(taken).toEqual([
      { id: 'a', at: 1000 },
      { id: 'b', at: 1000 },
    ]);
    await clock.advance(1000);

    expect(taken.map((t) => t.at)).toEqual([1000, 1000, 1500]);
    expect(wheel.size).toBe(0);
    expect(clock.timers).toBe(0);
  });

  it('hands on at once a timer already due when it arrives', async () => {
    const clock = new FakeClock(T0);
    const { sink, taken } = recordingSink(clock);
    new Wheel(new DbClock(clock), sink).hold([held('late', T0 - 5000)]);

    expect(taken).toEqual([{ id: 'late', at: 0 }]);
  });

  it('reads due on the database clock: a database an hour ahead makes the host an hour early', async () => {
    const clock = new FakeClock(T0);
    const { sink, taken } = recordingSink(clock);
    const wheel = new Wheel(new DbClock(clock, 3600_000), sink);

    wheel.hold([held('x', T0 + 3600_000 + 200)]);
    await clock.advance(199);
    expect(taken).toEqual([]);
    await clock.advance(1);

    expect(taken).toEqual([{ id: 'x', at: 200 }]);
  });

  it('waits out the uncertainty of the offset: late by at most that, never early', async () => {
    const clock = new FakeClock(T0);
    const dbClock = new DbClock(clock);
    dbClock.consider({ offset: 0, uncertainty: 21 }); // ± 21 ms
    const { sink, taken } = recordingSink(clock);
    new Wheel(dbClock, sink).hold([held('x', T0 + 1000)]);

    await clock.advance(1020);
    expect(taken).toEqual([]);
    await clock.advance(10);

    expect(taken[0].at).toBeGreaterThanOrEqual(1021);
    expect(taken[0].at).toBeLessThanOrEqual(1023);
  });

  it('gives back by id a timer still waiting for its moment; it is never handed on', async () => {
    const clock = new FakeClock(T0);
    const { sink, taken } = recordingSink(clock);
    const wheel = new Wheel(new DbClock(clock), sink);
    wheel.hold([held('kept', T0 + 1000), held('given', T0 + 500)]);

    const removal = wheel.remove('given');

    expect(removal).toMatchObject({ outcome: 'removed', held: { timer: { id: 'given' } } });
    expect(wheel.size).toBe(1);
    await clock.advance(2000);
    expect(taken.map((t) => t.id)).toEqual(['kept']);
  });

  it('says, for a timer it handed on, what delivery says: started, or not held', async () => {
    const clock = new FakeClock(T0);
    const { sink } = recordingSink(clock);
    const wheel = new Wheel(new DbClock(clock), sink);
    wheel.hold([held('sent', T0 + 100)]);
    await clock.advance(100);

    expect(wheel.remove('sent')).toEqual({ outcome: 'started' });
    expect(wheel.remove('unknown')).toEqual({ outcome: 'not_held' });
  });

  it('on drain, returns what it holds and arms nothing more', async () => {
    const clock = new FakeClock(T0);
    const { sink, taken } = recordingSink(clock);
    const wheel = new Wheel(new DbClock(clock), sink);
    wheel.hold([held('a', T0 + 100), held('b', T0 + 200)]);

    expect(
      wheel
        .drain()
        .map((t) => t.id)
        .sort(),
    ).toEqual(['a', 'b']);
    await clock.advance(1000);
    expect(taken).toEqual([]);
    expect(clock.timers).toBe(0);
  });
});
