/**
 * The delivery rollups: a controller counts outcomes and lateness per tenant and
 * minute in memory, writes each finished minute in one upsert just after it
 * turns (and what is left at stop), the charts read them summed per minute, and
 * the retention cleanup deletes the old ones. On MariaDB and on SQLite.
 */
import winston from 'winston';
import { LATENESS_BOUNDS_MS, latenessQuantile, systemClock } from '@timer/shared';
import type { RollupRow } from '@timer/shared';
import { Cleanup } from '@timer/controller';
import { MinuteRollups } from '../src/maintenance/minuteRollups';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { FakeClock } from '../../test/helpers/fakeClock';

const silent = winston.createLogger({ silent: true });
const MINUTE = 60_000;

describe('lateness buckets', () => {
  it('reads a percentile inside the bucket it falls in, and the last bound for the open bucket', () => {
    const counts = new Array<number>(LATENESS_BOUNDS_MS.length + 1).fill(0);
    expect(latenessQuantile(counts, 0.5)).toBeNull();
    counts[0] = 50; // 0–5 ms
    counts[3] = 49; // 25–50 ms
    counts[LATENESS_BOUNDS_MS.length] = 1; // over 60 s
    expect(latenessQuantile(counts, 0.5)).toBe(5);
    expect(latenessQuantile(counts, 0.99)).toBe(50);
    expect(latenessQuantile(counts, 1)).toBe(60_000);
    expect(latenessQuantile(counts, 0.25)).toBe(3);
  });
});

describe.each(DIALECTS)('delivery rollups on %s', (dialect) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase('ctl_rollups', {}, dialect);
  });
  afterEach(() => t.drop());

  it('writes each finished minute once, just after it turns, and the rest at stop', async () => {
    const start = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
    const clock = new FakeClock(start);
    const writes: (readonly RollupRow[])[] = [];
    const rollups = new MinuteRollups({
      rollups: { add: async (rows) => (writes.push(rows), t.store.rollups.add(rows)) },
      dbClock: clock,
      logger: silent,
      controllerId: 'ctl-1',
    });
    rollups.start();
    rollups.sent('acme', 3);
    rollups.outcome('acme', 'delivered');
    rollups.sent('acme', 40);
    rollups.outcome('acme', 'retried');
    rollups.sent('other', 70_000);
    rollups.outcome('other', 'failed');

    await clock.advance(MINUTE - 10_000 + 999); // 999 ms into the next minute: not yet
    expect(writes).toHaveLength(0);
    rollups.outcome('acme', 'skipped');
    await clock.advance(1);
    await rollups.flush(false); // waits for the write the timer started
    expect(writes).toHaveLength(1);
    expect(writes[0].map((r) => r.tenant).sort()).toEqual(['acme', 'other']);

    await rollups.stop();
    expect(writes).toHaveLength(2);

    const since = new Date(start - MINUTE);
    const all = await t.store.rollups.perMinute({ since, tenant: null });
    expect(all.map((m) => m.minute.getTime())).toEqual([start - 10_000, start - 10_000 + MINUTE]);
    expect(all[0]).toMatchObject({ delivered: 1, retried: 1, failed: 1, skipped: 0 });
    expect(all[0].lateness.reduce((a, b) => a + b, 0)).toBe(3);
    expect(all[1]).toMatchObject({ delivered: 0, skipped: 1 });
    const acme = await t.store.rollups.perMinute({ since, tenant: 'acme' });
    expect(acme[0]).toMatchObject({ delivered: 1, retried: 1, failed: 0 });
    expect(latenessQuantile(acme[0].lateness, 0.99)).toBe(50);
  });

  it('adds a second write of the same minute to the first', async () => {
    const minute = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
    const row = (delivered: number): RollupRow => ({
      minute,
      tenant: 'acme',
      controllerId: 'ctl-1',
      delivered,
      retried: 0,
      failed: 0,
      skipped: 0,
      lateness: [delivered, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    });
    await t.store.rollups.add([row(2)]);
    await t.store.rollups.add([row(3)]);
    const [read] = await t.store.rollups.perMinute({ since: minute, tenant: null });
    expect(read.delivered).toBe(5);
    expect(read.lateness[0]).toBe(5);
  });

  it('keeps the counts of a failed write for the next one', async () => {
    const clock = new FakeClock(Math.floor(Date.now() / MINUTE) * MINUTE);
    let fail = true;
    const rollups = new MinuteRollups({
      rollups: {
        add: async (rows) => {
          if (fail) throw new Error('database away');
          await t.store.rollups.add(rows);
        },
      },
      dbClock: clock,
      logger: silent,
      controllerId: 'ctl-1',
    });
    rollups.outcome('acme', 'delivered');
    await clock.advance(MINUTE);
    await rollups.flush(false);
    fail = false;
    rollups.outcome('acme', 'delivered');
    await rollups.stop();
    const read = await t.store.rollups.perMinute({ since: new Date(clock.now() - 2 * MINUTE), tenant: null });
    expect(read.reduce((n, m) => n + m.delivered, 0)).toBe(2);
  });

  it('is deleted by the cleanup once older than ROLLUP_RETENTION_DAYS', async () => {
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    const row = (minute: number): RollupRow => ({
      minute: new Date(minute),
      tenant: 'acme',
      controllerId: 'ctl-1',
      delivered: 1,
      retried: 0,
      failed: 0,
      skipped: 0,
      lateness: new Array<number>(14).fill(0),
    });
    await t.store.rollups.add([row(now - 3 * 24 * 3600_000), row(now - 3600_000), row(now)]);
    const cleanup = new Cleanup({
      fleet: t.store.fleet,
      logger: silent,
      clock: systemClock,
      controllerId: 'ctl-1',
      retentionDays: 7,
      rollupRetentionDays: 2,
      intervalMs: 60_000,
      batchSize: 100,
    });
    expect(await cleanup.runOnce()).toMatchObject({ rollups: 1 });
    const left = await t.store.rollups.perMinute({ since: new Date(0), tenant: null });
    expect(left).toHaveLength(2);
  });
});
