/**
 * cancelOccurrences: cancels a schedule's occurrences that have not started, when
 * the schedule is paused or deleted: the controllers create each occurrence as a
 * timer up to SCHEDULE_LOOKAHEAD_MS ahead, and a pause must stop those too.
 * "Not started" is pending with no attempt counted; a delivery already under way
 * (firing, or pending a retry) is left to finish.
 *
 * Parameters: scheduleId. Runs inside the caller's transaction, after the
 * schedule's own row was updated or deleted: on MySQL that UPDATE waited for any
 * controller holding the schedule (createOccurrences keeps it locked until
 * its timers are committed), so every occurrence it created is visible here.
 * Locks: the matched timers, for the length of the UPDATE; a claim holds its rows
 * until it has committed 'firing', so a timer is either canceled here or claimed,
 * never both (as cancelTimer).
 *
 * Only occurrences due in the last CANCEL_WINDOW or later are looked at: that
 * keeps the scan a short range of timers_schedule_occurrence however long the
 * schedule has run. An occurrence older than that still waiting for its first
 * attempt belongs to a backlog a day deep, and fires late.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';

const CANCEL_WINDOW_MS = 24 * 3600 * 1000;

export async function cancelOccurrences(trx: Knex.Transaction, timeoutMs: number, scheduleId: string): Promise<number> {
  const d = dialectOf(trx);
  return write(
    trx,
    timeoutMs,
    `UPDATE timers SET status = 'canceled', due_at = NULL, flow_due_at = NULL, locked_by = NULL, updated_at = ${d.now}
     WHERE schedule_id = ? AND occurrence_at >= ${d.minus(d.now)} AND status = 'pending' AND attempts = 0`,
    [scheduleId, d.duration(CANCEL_WINDOW_MS)],
  );
}
