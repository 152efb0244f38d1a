/**
 * materializeOccurrences: turns the schedules' next occurrences into timers, a
 * little ahead of time, exactly once however many controllers run. A controller
 * calls it every SCHEDULE_POLL_INTERVAL_MS; the timers it creates are then
 * claimed and fired like any other.
 *
 * Parameters: limit (most schedules per call), lookaheadMs, and plan: the
 * controller's rule that decides, for one schedule and the database's now, which
 * occurrences to create and the schedule's next next_run_at (planOccurrences).
 *
 * One transaction:
 *   1. SELECT the schedules whose next_run_at is within the lookahead on the
 *      database clock, soonest first, `FOR UPDATE SKIP LOCKED`: one range of
 *      schedules_next_run_at. Two controllers never take the same schedule at
 *      once; the second skips it instead of waiting. The rows stay locked until
 *      COMMIT, which is what makes a pause or a delete wait for the timers
 *      created here (see cancelOccurrences).
 *   2. INSERT one timer per planned occurrence, with schedule_id,
 *      occurrence_at, and the schedule's missed-fire rule (max_lateness_s): an
 *      occurrence the claim finds too late, such as the one created to catch up
 *      after downtime, is then skipped like any timer. The unique key timers_schedule_occurrence makes a second
 *      INSERT of an occurrence a no-op (onConflictIgnore): whoever created it
 *      first won, and that is fine. The SELECT's lock makes that rare; the key
 *      makes it harmless, whatever happens to the lock (a paused and resumed
 *      schedule may plan an occurrence it created before the pause, too).
 *   3. UPDATE each schedule's next_run_at and last_occurrence_at, fenced on the
 *      next_run_at it was read with: next_run_at only ever moves forward, and a
 *      schedule changed by someone else since is left alone (its timers, unique
 *      per occurrence, stay). Returns how many schedules moved.
 *
 * SQLite: no SKIP LOCKED and none needed (one process, one connection, one
 * transaction at a time: as good as BEGIN IMMEDIATE). ON CONFLICT DO NOTHING on
 * the unique index does what the duplicate key does on MySQL.
 */
import type { Knex } from 'knex';
import { v7 as uuidv7 } from 'uuid';
import { DbTime, dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';
import type { DueSchedule, ScheduleAdvance } from '../types';

interface DueRow {
  id: string;
  cron: string;
  timezone: string;
  url: string;
  owner: string | null;
  next_run_at: DbTime;
  max_lateness_s: number | null;
  now_ms: number | string;
}

/** Occurrences per INSERT: 8 bound values each, far below every driver's limit. */
const INSERT_SLICE = 500;

export interface Materialized<P extends ScheduleAdvance> {
  /** Each schedule taken, with what the plan decided for it. */
  planned: Array<{ schedule: DueSchedule; plan: P }>;
  /** Schedules whose next_run_at moved (all of them, unless another writer changed one). */
  advanced: number;
  /** The database's now when the schedules were read. */
  nowMs: number;
}

export async function materializeOccurrences<P extends ScheduleAdvance>(
  db: Knex,
  timeoutMs: number,
  options: { limit: number; lookaheadMs: number },
  plan: (schedule: DueSchedule, nowMs: number) => P,
): Promise<Materialized<P>> {
  const d = dialectOf(db);
  return db.transaction(async (trx) => {
    const rows = await select<DueRow>(
      trx,
      timeoutMs,
      `SELECT id, cron, timezone, url, owner, next_run_at, max_lateness_s, ${d.nowEpochMs} AS now_ms
       FROM schedules
       WHERE next_run_at <= ${d.plus(d.now)}
       ORDER BY next_run_at
       LIMIT ?
       ${d.claimLock}`,
      [d.duration(options.lookaheadMs), options.limit],
    );
    if (rows.length === 0) return { planned: [], advanced: 0, nowMs: 0 };
    const nowMs = Number(rows[0].now_ms);
    const planned = rows.map((row) => {
      const schedule: DueSchedule = {
        id: row.id,
        cron: row.cron,
        timezone: row.timezone,
        url: row.url,
        owner: row.owner,
        nextRunAt: d.date(row.next_run_at),
        maxLatenessSeconds: row.max_lateness_s,
      };
      return { schedule, plan: plan(schedule, nowMs) };
    });

    const timers = planned.flatMap(({ schedule, plan }) => plan.occurrences.map((at) => ({ schedule, at })));
    // In slices, so no statement passes the drivers' limits on bound values (SQLite: 32,766).
    for (let from = 0; from < timers.length; from += INSERT_SLICE) {
      const slice = timers.slice(from, from + INSERT_SLICE);
      await write(
        trx,
        timeoutMs,
        `INSERT INTO timers
           (id, url, status, fire_at, due_at, created_at, updated_at, owner, schedule_id, occurrence_at, max_lateness_s)
         VALUES ${slice.map(() => `(?, ?, 'pending', ?, ?, ${d.now}, ${d.now}, ?, ?, ?, ?)`).join(', ')}
         ${d.onConflictIgnore('schedule_id, occurrence_at')}`,
        slice.flatMap(({ schedule, at }) => [
          uuidv7(),
          schedule.url,
          at,
          at,
          schedule.owner,
          schedule.id,
          at,
          schedule.maxLatenessSeconds,
        ]),
      );
    }

    const moved = planned.map(({ schedule, plan }) => ({
      id: schedule.id,
      from: schedule.nextRunAt,
      next: plan.nextRunAt,
      last: plan.occurrences.length > 0 ? plan.occurrences[plan.occurrences.length - 1] : null,
    }));
    const withLast = moved.filter((m) => m.last !== null);
    const advanced = await write(
      trx,
      timeoutMs,
      `UPDATE schedules
       SET next_run_at = CASE id ${moved.map(() => 'WHEN ? THEN ?').join(' ')} END,
           last_occurrence_at = ${
             withLast.length > 0
               ? `CASE id ${withLast.map(() => 'WHEN ? THEN ?').join(' ')} ELSE last_occurrence_at END`
               : 'last_occurrence_at'
           },
           updated_at = ${d.now}
       WHERE (id, next_run_at) IN (${moved.map(() => '(?, ?)').join(', ')})`,
      [
        ...moved.flatMap((m) => [m.id, m.next]),
        ...withLast.flatMap((m) => [m.id, m.last]),
        ...moved.flatMap((m) => [m.id, m.from]),
      ],
    );
    return { planned, advanced, nowMs };
  });
}
