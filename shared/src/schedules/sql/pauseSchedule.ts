/**
 * pauseSchedule / resumeSchedule: stop creating occurrences, and start again.
 *
 * Pause sets paused and clears next_run_at (the controllers' scan never meets a
 * paused schedule), then cancels the occurrences already created that have not
 * started (cancelOccurrences), in one transaction. Parameters: id, tenant (null:
 * any; another tenant's schedule is not found, as an unknown one). Locks: the
 * schedule's row until commit; on MySQL the UPDATE waits for a controller that
 * holds the row while it creates occurrences, so none slips past the pause.
 *
 * Resume sets the next_run_at the api computed from the rule (the first
 * occurrence after now, and after the last one created), fenced on `paused = 1` so
 * that two resumes racing write once. Parameters: id, nextRunAt. Locks: the row,
 * for the UPDATE.
 *
 * Both are idempotent: pausing a paused schedule or resuming an active one changes
 * nothing and answers `unchanged`.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';
import type { ScheduleChange } from '../types';
import { cancelOccurrences } from './cancelOccurrences';
import type { AtRest } from '../../crypto/atRest';
import { findSchedule } from './findSchedules';

export async function pauseSchedule(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  tenant: string | null = null,
): Promise<ScheduleChange> {
  const inTenant = tenant === null ? '' : ' AND tenant = ?';
  const only = tenant === null ? [] : [tenant];
  const d = dialectOf(db);
  const changed = await db.transaction(async (trx) => {
    const n = await write(
      trx,
      timeoutMs,
      `UPDATE schedules SET paused = 1, next_run_at = NULL, updated_at = ${d.now} WHERE id = ? AND paused = 0${inTenant}`,
      [id, ...only],
    );
    if (n === 1) await cancelOccurrences(trx, timeoutMs, id);
    return n === 1;
  });
  return outcome(db, timeoutMs, atRest, id, tenant, changed);
}

export async function resumeSchedule(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  nextRunAt: Date | null,
  tenant: string | null = null,
): Promise<ScheduleChange> {
  const d = dialectOf(db);
  const inTenant = tenant === null ? '' : ' AND tenant = ?';
  const changed = await write(
    db,
    timeoutMs,
    `UPDATE schedules SET paused = 0, next_run_at = ?, updated_at = ${d.now} WHERE id = ? AND paused = 1${inTenant}`,
    tenant === null ? [nextRunAt, id] : [nextRunAt, id, tenant],
  );
  return outcome(db, timeoutMs, atRest, id, tenant, changed === 1);
}

async function outcome(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  tenant: string | null,
  changed: boolean,
): Promise<ScheduleChange> {
  const schedule = await findSchedule(db, timeoutMs, atRest, id, tenant);
  if (!schedule) return { outcome: 'not_found' };
  return { outcome: changed ? 'changed' : 'unchanged', schedule };
}
