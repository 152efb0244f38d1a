/**
 * createOccurrences: writes what a controller planned for schedules it read with
 * findDueSchedules: their next occurrences as timers, and each schedule's new
 * next_run_at. Exactly once however many controllers run.
 *
 * Parameters: advances, one per schedule: the schedule as read (its id, and the
 * next_run_at it was read with, which fences this write; its url, owner, tenant,
 * missed-fire rule and what it sends, copied onto its timers), the occurrences to create (each with
 * the timer id minted for it) and the next_run_at to move to.
 *
 * One transaction:
 *   1. SELECT the schedules by primary key, `FOR UPDATE SKIP LOCKED`. Two
 *      controllers never write the same schedule at once; the second skips it
 *      instead of waiting. A schedule whose next_run_at, cron or time zone is no
 *      longer the one read (another controller advanced it, it was paused,
 *      resumed or changed since) is left alone. Its url, missed-fire rule and
 *      what it sends (webhook) are taken from this locked read, so a PATCH that
 *      changed only those is never undone by a plan made before it. The rows stay locked until COMMIT, which is what makes a
 *      pause or a delete wait for the timers created here (see cancelOccurrences).
 *   2. INSERT one timer per planned occurrence of the schedules kept (pending, or
 *      `skipped` with its reason when the planner says so: an occurrence whose key
 *      is at its MAX_PENDING_PER_KEY cap), with schedule_id, occurrence_at, the
 *      occurrence's own trace context (trace_parent, trace_state: its new trace,
 *      linked to the schedule's creation), and the schedule's missed-fire rule
 *      (max_lateness_s): an occurrence the claim finds too late, such as the one
 *      created to catch up after downtime, is then skipped like any timer. The
 *      unique key timers_schedule_occurrence makes a second INSERT of an
 *      occurrence a no-op (onConflictIgnore): whoever created it first won, and
 *      that is fine. The lock and the fence make that rare; the key makes it
 *      harmless (a paused and resumed schedule may plan an occurrence it created
 *      before the pause, too).
 *   3. The labels of the occurrences created (the schedule's, copied): their
 *      timers.labels column in step 2, and timer_labels rows for those that step
 *      2 did insert (read back by id: an occurrence another controller created
 *      first keeps its own rows), with outcome NULL (live), or `skipped` for a
 *      skipped occurrence (labelOutcome.ts).
 *   4. UPDATE the kept schedules' next_run_at and last_occurrence_at, fenced
 *      again on the next_run_at read: next_run_at only ever moves forward.
 * Returns the ids of the schedules written (all of those locked and unchanged).
 *
 * SQLite: no SKIP LOCKED and none needed (one process, one connection, one
 * transaction at a time: as good as BEGIN IMMEDIATE). ON CONFLICT DO NOTHING on
 * the unique index does what the duplicate key does on MySQL.
 */
import type { Knex } from 'knex';
import { DbTime, dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';
import { writeLabels } from '../../timers/sql/columns';
import { insertLabelRows, labelRows } from '../../timers/sql/insertTimers';
import type { DueSchedule, ScheduleAdvance } from '../types';

interface LockedRow {
  id: string;
  next_run_at: DbTime | null;
  cron: string;
  timezone: string;
  url: string;
  url_sealed: string | null;
  max_lateness_s: number | null;
  webhook: string | null;
}

/** Occurrences per INSERT: 17 bound values each, far below every driver's limit. */
const INSERT_SLICE = 500;

export async function createOccurrences(
  db: Knex,
  timeoutMs: number,
  advances: readonly ScheduleAdvance[],
): Promise<string[]> {
  if (advances.length === 0) return [];
  const d = dialectOf(db);
  return db.transaction(async (trx) => {
    const locked = await select<LockedRow>(
      trx,
      timeoutMs,
      `SELECT id, next_run_at, cron, timezone, url, url_sealed, max_lateness_s, webhook FROM schedules
       WHERE id IN (${advances.map(() => '?').join(', ')})
       ${d.claimLock}`,
      advances.map((a) => a.schedule.id),
    );
    const current = new Map(
      locked
        .filter((r) => r.next_run_at !== null)
        .map((r) => [`${r.id} ${d.date(r.next_run_at!).getTime()} ${r.cron} ${r.timezone}`, r]),
    );
    // The plan holds only for the rule it was made with; what its timers send is read under the lock.
    const kept = advances.flatMap((a) => {
      const row = current.get(
        `${a.schedule.id} ${a.schedule.nextRunAt.getTime()} ${a.schedule.cron} ${a.schedule.timezone}`,
      );
      if (!row) return [];
      const sends = {
        url: row.url,
        urlSealed: row.url_sealed,
        maxLatenessSeconds: row.max_lateness_s,
        webhookText: row.webhook,
      };
      return [{ ...a, schedule: { ...a.schedule, ...sends } }];
    });
    if (kept.length === 0) return [];

    const timers = kept.flatMap(({ schedule, occurrences }) => occurrences.map((o) => ({ schedule, ...o })));
    // In slices, so no statement passes the drivers' limits on bound values (SQLite: 32,766).
    for (let from = 0; from < timers.length; from += INSERT_SLICE) {
      const slice = timers.slice(from, from + INSERT_SLICE);
      await write(
        trx,
        timeoutMs,
        `INSERT INTO timers
           (id, url, url_sealed, status, fire_at, due_at, last_error, created_at, updated_at, owner, tenant, schedule_id,
            occurrence_at, max_lateness_s, webhook, labels, callbacks, trace_parent, trace_state)
         VALUES ${slice.map(() => `(?, ?, ?, ?, ?, ?, ?, ${d.now}, ${d.now}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).join(', ')}
         ${d.onConflictIgnore('schedule_id, occurrence_at')}`,
        slice.flatMap(({ schedule, id, at, skipped, trace }) => [
          id,
          schedule.url,
          schedule.urlSealed,
          skipped === undefined ? 'pending' : 'skipped',
          at,
          skipped === undefined ? at : null,
          skipped ?? null,
          schedule.owner,
          schedule.tenant,
          schedule.id,
          at,
          schedule.maxLatenessSeconds,
          schedule.webhookText,
          writeLabels(schedule.labels),
          schedule.callbacksText,
          trace?.traceparent ?? null,
          trace?.tracestate ?? null,
        ]),
      );
    }
    await labelOccurrences(trx, timeoutMs, timers);

    const moved = kept.map(({ schedule, occurrences, nextRunAt }) => ({
      id: schedule.id,
      from: schedule.nextRunAt,
      next: nextRunAt,
      last: occurrences.length > 0 ? occurrences[occurrences.length - 1].at : null,
    }));
    const cases = moved.map(() => 'WHEN ? THEN ?').join(' ');
    await write(
      trx,
      timeoutMs,
      `UPDATE schedules
       SET next_run_at = CASE id ${cases} END,
           last_occurrence_at = COALESCE(CASE id ${cases} END, last_occurrence_at),
           updated_at = ${d.now}
       WHERE (id, next_run_at) IN (${moved.map(() => '(?, ?)').join(', ')})`,
      [
        ...moved.flatMap((m) => [m.id, m.next]),
        ...moved.flatMap((m) => [m.id, m.last]),
        ...moved.flatMap((m) => [m.id, m.from]),
      ],
    );
    return kept.map((a) => a.schedule.id);
  });
}

/** timer_labels rows for the occurrences this transaction inserted (not those another controller had). */
async function labelOccurrences(
  trx: Knex.Transaction,
  timeoutMs: number,
  timers: readonly { id: string; schedule: DueSchedule; skipped?: string }[],
): Promise<void> {
  const labelled = timers.filter((t) => Object.keys(t.schedule.labels).length > 0);
  const inserted = new Set<string>();
  for (let from = 0; from < labelled.length; from += INSERT_SLICE) {
    const ids = labelled.slice(from, from + INSERT_SLICE).map((t) => t.id);
    const rows = await select<{ id: string }>(
      trx,
      timeoutMs,
      `SELECT id FROM timers WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    for (const row of rows) inserted.add(row.id);
  }
  const rows = labelRows(
    labelled
      .filter((t) => inserted.has(t.id))
      .map((t) => ({
        id: t.id,
        tenant: t.schedule.tenant,
        labels: t.schedule.labels,
        outcome: t.skipped === undefined ? null : ('skipped' as const),
      })),
  );
  await insertLabelRows(trx, timeoutMs, rows);
}
