/**
 * The database clock as a controller reads it: a resync made while everything is
 * busy (a long round trip) must not widen the error bound every webhook waits
 * for, unless the clocks really moved apart (a host clock was stepped); and the
 * bound grows with the measurement's age, for drift.
 */
import { DbClock, systemClock } from '@timer/shared';
import { FakeClock } from '../../test/helpers/fakeClock';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';

describe('DbClock', () => {
  it('keeps a precise offset over a coarser one measured while busy', () => {
    const clock = new DbClock(new FakeClock(1_000_000));
    expect(clock.consider({ offset: 3, rtt: 2 })).toBe(true);

    expect(clock.consider({ offset: -200, rtt: 1000 })).toBe(false);

    expect(clock.offsetMs).toBe(3);
    expect(clock.errorBound()).toBe(2);
  });

  it('takes a coarse offset when the held one is plainly wrong: a clock was stepped', () => {
    const host = new FakeClock(1_000_000);
    const clock = new DbClock(host);
    clock.consider({ offset: 3, rtt: 2 });

    expect(clock.consider({ offset: -60_000, rtt: 1000 })).toBe(true);

    expect(clock.offsetMs).toBe(-60_000);
    expect(clock.errorBound()).toBe(501);
    expect(clock.earliestNow()).toBe(host.now() - 60_000 - 501);
  });

  it('takes a better measurement over a worse one', () => {
    const clock = new DbClock(new FakeClock(1_000_000));
    clock.consider({ offset: 40, rtt: 400 });

    expect(clock.consider({ offset: 1, rtt: 4 })).toBe(true);

    expect(clock.errorBound()).toBe(3);
  });

  it('widens the bound with age (drift), until a fresh measurement is the better one', async () => {
    const host = new FakeClock(1_000_000);
    const clock = new DbClock(host);
    clock.consider({ offset: 0, rtt: 2 });

    await host.advance(3_600_000); // an hour of 20 ppm drift: 72 ms
    expect(clock.errorBound()).toBe(2 + 72);
    expect(clock.consider({ offset: 5, rtt: 100 })).toBe(true);

    expect(clock.errorBound()).toBe(51);
  });

  describe('against the database', () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await createTestDatabase('dbclock');
    });
    afterAll(() => t.drop());

    it('measures an offset it can vouch for: the database clock is never ahead of earliestNow', async () => {
      const clock = new DbClock(systemClock);
      await clock.sync(t.db, 5000);

      // Read before the database's clock is: the database can only be later.
      const earliest = clock.earliestNow();
      const [rows] = await t.db.raw('SELECT ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS db_ms');
      const dbMs = Number((rows as Array<{ db_ms: number }>)[0].db_ms);

      expect(clock.errorBound()).toBeLessThan(1000);
      expect(earliest).toBeLessThanOrEqual(dbMs + 1);
    });
  });
});
