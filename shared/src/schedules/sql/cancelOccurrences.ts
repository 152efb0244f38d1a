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
 * The label rows of the occurrences canceled get outcome canceled
 * (labelOutcome.ts), in the same transaction: one more statement when something
 * was canceled (a pause or delete, not a timer's own path), driven by the same
 * range of timers_schedule_occurrence and then timer_labels_timer per timer; an
 * unlabelled schedule's occurrences have no label rows, so it changes nothing.
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
  const canceled = await write(
    trx,
    timeoutMs,
    `UPDATE timers SET status = 'canceled', due_at = NULL, flow_due_at = NULL, locked_by = NULL, updated_at = ${d.now}
     WHERE schedule_id = ? AND occurrence_at >= ${d.minus(d.now)} AND status = 'pending' AND attempts = 0`,
    [scheduleId, d.duration(CANCEL_WINDOW_MS)],
  );
  if (canceled === 0) return 0;
  // The label rows still live of the occurrences now canceled: those this UPDATE
  // canceled. A minute wider than the window, so the clock moving between the two
  // statements loses none (an older canceled occurrence has its outcome already).
  await write(
    trx,
    timeoutMs,
    d.name === 'sqlite'
      ? `UPDATE timer_labels SET outcome = 'canceled'
         WHERE outcome IS NULL AND timer_id IN (
           SELECT id FROM timers
           WHERE schedule_id = ? AND occurrence_at >= ${d.minus(d.now)} AND status = 'canceled' AND labels IS NOT NULL)`
      : `UPDATE timers t JOIN timer_labels l ON l.timer_id = t.id
         SET l.outcome = 'canceled'
         WHERE t.schedule_id = ? AND t.occurrence_at >= ${d.minus(d.now)} AND t.status = 'canceled'
           AND t.labels IS NOT NULL AND l.outcome IS NULL`,
    [scheduleId, d.duration(CANCEL_WINDOW_MS + 60_000)],
  );
  return canceled;
}
