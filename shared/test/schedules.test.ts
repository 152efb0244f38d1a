/**
 * The schedules' queries against a real database: creating occurrences as timers
 * once each (the unique key, the fence on next_run_at), catching up after
 * downtime with only the latest missed occurrence, and pause, resume and delete
 * canceling the occurrences that have not started. Run on MariaDB/MySQL and on
 * the embedded mode's SQLite file.
 */
import { v7 as uuidv7 } from 'uuid';
import {
  createDb,
  CronRule,
  isCronProblem,
  newId,
  planOccurrences,
  ScheduleAdvance,
  select,
  Store,
} from '@timer/shared';
import { countTimers, createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';

const URL = 'http://127.0.0.1:9/hooks';

/** A controller's pass (the occurrence loop): read the due schedules, plan each, write the plans. */
async function materialize(store: Store, options: { limit: number; lookaheadMs: number }) {
  const { schedules, nowMs } = await store.schedules.findDue(options);
  const planned = schedules.map((schedule) => {
    const rule = CronRule.parse(schedule.cron, schedule.timezone);
    if (isCronProblem(rule)) throw new Error(rule.message);
    const p = planOccurrences(rule, schedule.nextRunAt.getTime(), nowMs, options.lookaheadMs, 20);
    const advance: ScheduleAdvance = {
      schedule,
      occurrences: p.occurrences.map((ms) => ({ id: newId(), at: new Date(ms) })),
      nextRunAt: p.nextRunAt === null ? null : new Date(p.nextRunAt),
    };
    return { schedule, advance, missedFrom: p.missedFrom };
  });
  const written = await store.schedules.createOccurrences(planned.map((p) => p.advance));
  return { planned, advanced: written.length, nowMs };
}

describe.each(DIALECTS)('schedules in the store on %s', (dialect) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('schedules', {}, dialect);
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    await t.db.raw('DELETE FROM timers');
    await t.db.raw('DELETE FROM schedules');
  });

  async function dbNow(): Promise<number> {
    const [row] = await select<{ now: number | string }>(t.db, 5000, `SELECT ${t.sql.nowEpochMs} AS now`);
    return Number(row.now);
  }

  async function createSchedule(
    cron: string,
    nextRunAt: number,
    timezone = 'UTC',
    maxLatenessSeconds: number | null = null,
  ): Promise<string> {
    const id = uuidv7();
    await t.store.schedules.create({
      id,
      cron,
      timezone,
      url: URL,
      owner: 'key_0123456789abcdef',
      nextRunAt: new Date(nextRunAt),
      maxLatenessSeconds,
      createdAt: new Date(await dbNow()),
    });
    return id;
  }

  interface OccurrenceRow {
    id: string;
    status: string;
    owner: string | null;
    url: string;
    fire_at: number;
    occurrence_at: number;
  }

  async function occurrences(scheduleId: string): Promise<OccurrenceRow[]> {
    const rows = await select<Record<string, unknown>>(
      t.db,
      5000,
      `SELECT id, status, fire_at, occurrence_at, owner, url FROM timers
       WHERE schedule_id = ? ORDER BY occurrence_at`,
      [scheduleId],
    );
    return rows.map((r) => ({
      id: r.id as string,
      status: r.status as string,
      owner: r.owner as string | null,
      url: r.url as string,
      fire_at: t.sql.date(r.fire_at as Date | number).getTime(),
      occurrence_at: t.sql.date(r.occurrence_at as Date | number).getTime(),
    }));
  }

  const wholeSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;

  it('creates each occurrence within the lookahead as a pending timer, and moves next_run_at past them', async () => {
    const now = await dbNow();
    const first = wholeSecond(now);
    const id = await createSchedule('* * * * * *', first);

    const result = await materialize(t.store, { limit: 10, lookaheadMs: 3000 });

    expect(result.advanced).toBe(1);
    const rows = await occurrences(id);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows[0]).toMatchObject({ status: 'pending', occurrence_at: first, fire_at: first, url: URL });
    expect(rows[0].owner).toBe('key_0123456789abcdef');
    expect(rows.map((r) => r.occurrence_at)).toEqual(rows.map((_, i) => first + i * 1000));
    const schedule = await t.store.schedules.find(id);
    expect(schedule!.lastOccurrenceAt!.getTime()).toBe(rows[rows.length - 1].occurrence_at);
    expect(schedule!.nextRunAt!.getTime()).toBe(rows[rows.length - 1].occurrence_at + 1000);
  });

  it("copies the schedule's missed-fire rule onto each occurrence it creates", async () => {
    const first = wholeSecond(await dbNow());
    const skipping = await createSchedule('* * * * * *', first, 'UTC', 30);
    const firing = await createSchedule('* * * * * *', first);

    await materialize(t.store, { limit: 10, lookaheadMs: 2000 });

    expect((await t.store.schedules.find(skipping))!.maxLatenessSeconds).toBe(30);
    const rules = async (scheduleId: string) =>
      (
        await select<{ max_lateness_s: number | null }>(
          t.db,
          5000,
          'SELECT max_lateness_s FROM timers WHERE schedule_id = ?',
          [scheduleId],
        )
      ).map((r) => r.max_lateness_s);
    const [skips, fires] = [await rules(skipping), await rules(firing)];
    expect(skips.length).toBeGreaterThanOrEqual(2);
    expect(new Set(skips)).toEqual(new Set([30]));
    expect(fires.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fires)).toEqual(new Set([null]));
  });

  it('leaves a schedule alone until its next occurrence is within the lookahead', async () => {
    const id = await createSchedule('0 0 1 1 *', Date.parse('2099-01-01T00:00:00Z'));

    const result = await materialize(t.store, { limit: 10, lookaheadMs: 5000 });

    expect(result.planned).toEqual([]);
    expect(await occurrences(id)).toEqual([]);
  });

  it('writes an occurrence that already exists only once (the unique key), and still moves on', async () => {
    const first = wholeSecond(await dbNow());
    const id = await createSchedule('* * * * * *', first);
    await materialize(t.store, { limit: 10, lookaheadMs: 2000 });
    const before = await occurrences(id);
    // As if the schedule had been paused and resumed: next_run_at back on an occurrence already created.
    await t.db.raw('UPDATE schedules SET next_run_at = ? WHERE id = ?', [
      dialect === 'sqlite' ? first : new Date(first),
      id,
    ]);

    await materialize(t.store, { limit: 10, lookaheadMs: 2000 });

    const after = await occurrences(id);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(new Set(after.map((r) => r.occurrence_at)).size).toBe(after.length);
  });

  it('rejects a second timer for the same occurrence at the database (timers_schedule_occurrence)', async () => {
    const first = wholeSecond(await dbNow());
    const id = await createSchedule('* * * * * *', first);
    await materialize(t.store, { limit: 10, lookaheadMs: 1000 });
    const [existing] = await occurrences(id);

    const at = dialect === 'sqlite' ? existing.occurrence_at : new Date(existing.occurrence_at);

    const outcome = await t.db
      .raw(
        `INSERT INTO timers (id, url, status, fire_at, due_at, created_at, updated_at, schedule_id, occurrence_at)
         VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
        [uuidv7(), URL, at, at, at, at, id, at],
      )
      .then(
        () => 'inserted',
        // better-sqlite3's SqliteError is not always an Error to jest's eyes: read its message.
        (err: unknown) => String((err as { message?: unknown })?.message ?? err),
      );

    expect(outcome).toMatch(/duplicate|unique/i);
  });

  it('after downtime creates only the latest missed occurrence, and goes on from the next', async () => {
    const now = await dbNow();
    const id = await createSchedule('* * * * *', Math.floor((now - 3600_000) / 60_000) * 60_000);

    const result = await materialize(t.store, { limit: 10, lookaheadMs: 1000 });

    const latest = Math.floor(result.nowMs / 60_000) * 60_000;
    const rows = await occurrences(id);
    expect(rows.map((r) => r.occurrence_at)).toEqual(
      latest + 60_000 <= result.nowMs + 1000 ? [latest, latest + 60_000] : [latest],
    );
    expect(result.planned[0].missedFrom).toBe(Math.floor((now - 3600_000) / 60_000) * 60_000);
    const schedule = await t.store.schedules.find(id);
    expect(schedule!.nextRunAt!.getTime()).toBeGreaterThan(result.nowMs);
  });

  it('creates every occurrence exactly once while two controllers materialize the same schedules at once', async () => {
    // SQLite has one connection in one process: there is nobody to race.
    if (dialect === 'sqlite') return;
    const other = createDb(t.config);
    const stores = [t.store, new Store(other, t.config.dbQueryTimeoutMs)];
    try {
      // A few seconds ahead: an occurrence already past when it is first read counts as missed
      // (only the latest missed one is created), which a busy machine would turn into a gap.
      const first = wholeSecond(await dbNow()) + 5000;
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(await createSchedule('* * * * * *', first));

      for (let round = 0; round < 15; round++) {
        await Promise.all(stores.map((store) => materialize(store, { limit: 7, lookaheadMs: 8000 })));
      }

      for (const id of ids) {
        const times = (await occurrences(id)).map((r) => r.occurrence_at);
        expect(times.length).toBeGreaterThanOrEqual(2);
        // One row per second from the first occurrence on: none twice, none missing.
        expect(times).toEqual(times.map((_, i) => first + i * 1000));
      }
    } finally {
      await other.destroy();
    }
  });

  it('writes nothing for a schedule that moved on since it was read: its plan is stale', async () => {
    const first = wholeSecond(await dbNow());
    const id = await createSchedule('* * * * * *', first);
    const { schedules } = await t.store.schedules.findDue({ limit: 10, lookaheadMs: 2000 });
    const stale: ScheduleAdvance = {
      schedule: schedules[0],
      occurrences: [{ id: newId(), at: new Date(first) }],
      nextRunAt: new Date(first + 1000),
    };
    // Another controller writes the schedule first.
    await materialize(t.store, { limit: 10, lookaheadMs: 2000 });
    const before = await occurrences(id);

    expect(await t.store.schedules.createOccurrences([stale])).toEqual([]);

    expect(await occurrences(id)).toEqual(before);
    expect((await t.store.schedules.find(id))!.nextRunAt!.getTime()).toBeGreaterThan(first + 1000);
  });

  it('skips a schedule another controller is writing right now (locked), instead of waiting', async () => {
    if (dialect === 'sqlite') return;
    const other = createDb(t.config);
    try {
      const first = wholeSecond(await dbNow());
      const id = await createSchedule('* * * * * *', first);
      const { schedules } = await t.store.schedules.findDue({ limit: 10, lookaheadMs: 2000 });
      const advance: ScheduleAdvance = {
        schedule: schedules[0],
        occurrences: [{ id: newId(), at: new Date(first) }],
        nextRunAt: new Date(first + 1000),
      };
      await other.transaction(async (trx) => {
        await trx.raw('SELECT id FROM schedules WHERE id = ? FOR UPDATE', [id]);
        expect(await t.store.schedules.createOccurrences([advance])).toEqual([]);
      });
      expect(await occurrences(id)).toEqual([]);
      expect(await t.store.schedules.createOccurrences([advance])).toEqual([id]);
      expect((await occurrences(id)).map((r) => r.occurrence_at)).toEqual([first]);
    } finally {
      await other.destroy();
    }
  });

  it('creates many occurrences at once in several INSERTs, each exactly once', async () => {
    const now = await dbNow();
    const first = wholeSecond(now);
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push(await createSchedule('* * * * * *', first));

    // 40 schedules × 20 occurrences each: more rows than one INSERT carries.
    const result = await materialize(t.store, { limit: 100, lookaheadMs: 30_000 });

    expect(result.advanced).toBe(40);
    for (const id of ids) {
      const rows = await occurrences(id);
      expect(rows.map((r) => r.occurrence_at)).toEqual(rows.map((_, i) => first + i * 1000));
      expect(rows).toHaveLength(20);
    }
  });

  it('takes the soonest schedules first, up to the limit', async () => {
    const now = await dbNow();
    const late = await createSchedule('* * * * * *', wholeSecond(now + 2000));
    const soon = await createSchedule('* * * * * *', wholeSecond(now + 1000));

    const result = await materialize(t.store, { limit: 1, lookaheadMs: 3000 });

    expect(result.planned.map((p) => p.schedule.id)).toEqual([soon]);
    expect(await occurrences(late)).toEqual([]);
  });

  describe('pause, resume and delete', () => {
    it('pausing clears next_run_at and cancels the occurrences not started; resuming sets it again', async () => {
      const first = wholeSecond(await dbNow());
      const id = await createSchedule('* * * * * *', first);
      await materialize(t.store, { limit: 10, lookaheadMs: 3000 });
      const [started, ...waiting] = await occurrences(id);
      await t.db.raw("UPDATE timers SET status = 'firing', attempts = 1 WHERE id = ?", [started.id]);

      const paused = await t.store.schedules.pause(id);

      expect(paused).toMatchObject({ outcome: 'changed', schedule: { paused: true, nextRunAt: null } });
      const rows = await occurrences(id);
      expect(rows[0].status).toBe('firing');
      expect(rows.slice(1).map((r) => r.status)).toEqual(waiting.map(() => 'canceled'));
      expect(await countTimers(t.db, "due_at IS NULL AND status = 'canceled'")).toBe(waiting.length);
      expect((await materialize(t.store, { limit: 10, lookaheadMs: 3000 })).planned).toEqual([]);
      expect(await t.store.schedules.pause(id)).toMatchObject({ outcome: 'unchanged' });

      const next = new Date(first + 3_600_000);
      const resumed = await t.store.schedules.resume(id, next);

      expect(resumed).toMatchObject({ outcome: 'changed', schedule: { paused: false } });
      expect(resumed.outcome !== 'not_found' && resumed.schedule.nextRunAt!.getTime()).toBe(next.getTime());
      expect(await t.store.schedules.resume(id, new Date(0))).toMatchObject({ outcome: 'unchanged' });
    });

    it('deleting removes the schedule, cancels what has not started and keeps the rest as history', async () => {
      const first = wholeSecond(await dbNow());
      const id = await createSchedule('* * * * * *', first);
      await materialize(t.store, { limit: 10, lookaheadMs: 3000 });
      const [fired] = await occurrences(id);
      await t.db.raw("UPDATE timers SET status = 'fired', due_at = NULL, attempts = 1 WHERE id = ?", [fired.id]);

      expect(await t.store.schedules.delete(id)).toBe(true);

      expect(await t.store.schedules.find(id)).toBeNull();
      const rows = await occurrences(id);
      expect(rows[0].status).toBe('fired');
      expect(new Set(rows.slice(1).map((r) => r.status))).toEqual(new Set(['canceled']));
      expect(await t.store.schedules.delete(id)).toBe(false);
    });

    it('answers not_found for a schedule that does not exist', async () => {
      expect(await t.store.schedules.pause(uuidv7())).toEqual({ outcome: 'not_found' });
      expect(await t.store.schedules.resume(uuidv7(), null)).toEqual({ outcome: 'not_found' });
    });
  });

  describe('across daylight saving time (Europe/Berlin, next year)', () => {
    // Next year's transitions are always ahead of the database's now: the last Sundays
    // of March (02:00 CET → 03:00 CEST) and October (03:00 CEST → 02:00 CET), at 01:00 UTC.
    const year = new Date().getUTCFullYear() + 1;
    const lastSunday = (month: number) => {
      const d = new Date(Date.UTC(year, month + 1, 0, 1));
      d.setUTCDate(d.getUTCDate() - d.getUTCDay());
      return d.getTime();
    };
    const springForward = lastSunday(2);
    const fallBack = lastSunday(9);
    const HOUR = 3600_000;

    /** Creates every occurrence from `from` to `to` in one pass, as a controller would with that lookahead. */
    async function materializeBetween(cron: string, from: number, to: number): Promise<string[]> {
      const id = await createSchedule(cron, from, 'Europe/Berlin');
      const lookahead = to - (await dbNow());
      await materialize(t.store, { limit: 10, lookaheadMs: lookahead });
      return (await occurrences(id)).map((r) => new Date(r.occurrence_at).toISOString());
    }

    it('spring forward: 30 2 * * * runs at 03:00 CEST on the day 02:30 does not exist', async () => {
      const times = await materializeBetween(
        '30 2 * * *',
        springForward - 24 * HOUR + 30 * 60_000,
        springForward + 24 * HOUR,
      );
      expect(times).toEqual([
        new Date(springForward - 24 * HOUR + 30 * 60_000).toISOString(), // 02:30 CET the day before
        new Date(springForward).toISOString(), // 03:00 CEST
        new Date(springForward + 23 * HOUR + 30 * 60_000).toISOString(), // 02:30 CEST the day after
      ]);
    });

    it('spring forward: */30 * * * * skips 02:00 and 02:30, which do not exist', async () => {
      const times = await materializeBetween('*/30 * * * *', springForward - HOUR, springForward + HOUR);
      expect(times).toEqual(
        [-HOUR, -HOUR / 2, 0, HOUR / 2, HOUR].map((offset) => new Date(springForward + offset).toISOString()),
      ); // 01:00 and 01:30 CET, then 03:00, 03:30 and 04:00 CEST
    });

    it('fall back: 30 2 * * * runs once, at the first 02:30', async () => {
      const firstHalfPast2 = fallBack - HOUR / 2; // 02:30 CEST = 00:30 UTC
      const times = await materializeBetween('30 2 * * *', firstHalfPast2, fallBack + 25 * HOUR);
      expect(times).toEqual([
        new Date(firstHalfPast2).toISOString(), // 02:30 CEST; not again at 02:30 CET (01:30 UTC)
        new Date(fallBack + 24 * HOUR + HOUR / 2).toISOString(), // 02:30 CET the day after
      ]);
    });

    it('fall back: */30 * * * * runs at both 02:30s, stored as two distinct instants', async () => {
      const times = await materializeBetween('*/30 * * * *', fallBack - HOUR, fallBack + HOUR);
      // 02:00 and 02:30 CEST, then 02:00 and 02:30 CET, then 03:00 CET: every 30 minutes of real time.
      expect(times).toEqual(
        [-HOUR, -HOUR / 2, 0, HOUR / 2, HOUR].map((offset) => new Date(fallBack + offset).toISOString()),
      );
    });
  });

  it('lists schedules newest first, by pages', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await createSchedule('0 * * * *', Date.parse('2099-01-01T00:00:00Z')));

    const page = await t.store.schedules.list({ limit: 2 });
    const rest = await t.store.schedules.list({ limit: 2, beforeId: page[1].id });

    expect(page.map((s) => s.id)).toEqual([ids[2], ids[1]]);
    expect(rest.map((s) => s.id)).toEqual([ids[0]]);
    expect(page[0]).toMatchObject({ cron: '0 * * * *', timezone: 'UTC', url: URL, paused: false });
  });
});
