/**
 * The database clock as a controller reads it: a resync made while everything is
 * busy (a long round trip) must not widen the error bound every webhook waits
 * for, unless the clocks really moved apart (a host clock was stepped); the bound
 * grows with the measurement's age, for drift; and it keeps its fraction of a
 * millisecond, so that a webhook waits no longer than the measurement's error.
 */
import { DbClock, measureClockOffset, systemClock } from '@timer/shared';
import { FakeClock } from '../../test/helpers/fakeClock';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';

describe('DbClock', () => {
  it('keeps a precise offset over a coarser one measured while busy', () => {
    const clock = new DbClock(new FakeClock(1_000_000));
    expect(clock.consider({ offset: 3, uncertainty: 2 })).toBe(true);

    expect(clock.consider({ offset: -200, uncertainty: 500 })).toBe(false);

    expect(clock.offsetMs).toBe(3);
    expect(clock.errorBound()).toBe(2);
  });

  it('takes a coarse offset when the held one is plainly wrong: a clock was stepped', () => {
    const host = new FakeClock(1_000_000);
    const clock = new DbClock(host);
    clock.consider({ offset: 3, uncertainty: 2 });

    expect(clock.consider({ offset: -60_000, uncertainty: 501 })).toBe(true);

    expect(clock.offsetMs).toBe(-60_000);
    expect(clock.errorBound()).toBe(501);
    expect(clock.earliestNow()).toBe(host.now() - 60_000 - 501);
  });

  it('takes a better measurement over a worse one', () => {
    const clock = new DbClock(new FakeClock(1_000_000));
    clock.consider({ offset: 40, uncertainty: 201 });

    expect(clock.consider({ offset: 1, uncertainty: 3 })).toBe(true);

    expect(clock.errorBound()).toBe(3);
  });

  it('widens the bound with age (drift), until a fresh measurement is the better one', async () => {
    const host = new FakeClock(1_000_000);
    const clock = new DbClock(host);
    clock.consider({ offset: 0, uncertainty: 2 });

    await host.advance(3_600_000); // an hour of 20 ppm drift: 72 ms
    expect(clock.errorBound()).toBeCloseTo(2 + 72, 9);
    expect(clock.consider({ offset: 5, uncertainty: 51 })).toBe(true);

    expect(clock.errorBound()).toBe(51);
  });

  it('keeps fractions of a millisecond: a webhook waits only as long as the offset can be off', async () => {
    const host = new FakeClock(1_000_000);
    const clock = new DbClock(host);
    // The database's microsecond clock read 0.3 ms past the host's whole millisecond.
    clock.consider({ offset: -0.1995, uncertainty: 0.5005 });

    expect(clock.earliestNow()).toBeCloseTo(1_000_000 - 0.7, 9);
    expect(clock.now()).toBe(1_000_000); // stamps stay whole milliseconds
    await host.advance(10_000); // the resync interval: 0.2 ms of drift
    expect(clock.errorBound()).toBeCloseTo(0.7005, 9);
    // Due at 1,010,001: with 0.9 ms to allow for, sent once the host reads 1,010,002 (a
    // bound rounded up to whole milliseconds, 2 ms, would have waited for 1,010,003).
    await host.advance(1);
    expect(clock.earliestNow()).toBeLessThan(1_010_001);
    await host.advance(1);
    expect(clock.earliestNow()).toBeGreaterThanOrEqual(1_010_001);
  });

  it('is exact when made with an offset and never measured (SQLite in the same process)', () => {
    const host = new FakeClock(1_000_000);
    const clock = new DbClock(host, 0);

    expect(clock.errorBound()).toBe(0);
    expect(clock.earliestNow()).toBe(1_000_000);
  });

  describe('against the database', () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await createTestDatabase('dbclock');
    });
    afterAll(() => t.drop());

    it('measures an offset it can vouch for: the database clock is never behind earliestNow', async () => {
      const clock = new DbClock(systemClock);
      await clock.sync(t.db, 5000);

      // Read before the database reads its clock: the database can only be later.
      for (let i = 0; i < 200; i++) {
        const earliest = clock.earliestNow();
        const [rows] = await t.db.raw('SELECT UNIX_TIMESTAMP(NOW(6)) * 1000 AS db_ms');
        const dbMs = Number((rows as Array<{ db_ms: string }>)[0].db_ms);
        expect(earliest).toBeLessThanOrEqual(dbMs);
      }
      expect(clock.errorBound()).toBeLessThan(1000);
    });

    it('brackets the true offset, to within half a millisecond when the round trip is short', async () => {
      // The database runs on this host and reads the same clock: the true offset is 0.
      const measured = [];
      for (let i = 0; i < 50; i++) measured.push(await measureClockOffset(t.db, systemClock, 5000));

      for (const { offset, uncertainty } of measured) expect(Math.abs(offset)).toBeLessThanOrEqual(uncertainty);
      // A round trip inside one host millisecond: the host's whole-millisecond reading is the bound's only part.
      expect(Math.min(...measured.map((m) => m.uncertainty))).toBeLessThan(0.51);
    });
  });
});
