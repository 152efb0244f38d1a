/**
 * timer_labels.outcome follows the timer's status: NULL while it is live
 * (pending, firing), else its final status. Every write that moves a labelled
 * timer into or out of a final status calls this in its own transaction, after
 * the timers UPDATE (so the timer's row is locked first, as everywhere else).
 *
 * Parameters: ids (timers the caller's write just moved), outcome (null: live
 * again). Locks: the label rows of those timers, found through
 * timer_labels_timer (timer_id). Callers skip it for timers they know carry no
 * labels (ClaimRef.labelled, ChangeFence.labelled false): those cost nothing.
 */
import type { Knex } from 'knex';
import { write } from '../../db/query';
import type { FINISHED_STATUSES } from '../types';

export type LabelOutcome = (typeof FINISHED_STATUSES)[number] | null;

/**
 * Runs `update` (one timer's UPDATE, answering the rows it changed) and, when it
 * changed the row of a timer that may carry labels (`labelled` not false), sets
 * that timer's label rows to `outcome` in the same transaction. For a timer known
 * to have none, the UPDATE alone, as it always was.
 */
export function updateWithLabelOutcome(
  db: Knex,
  timeoutMs: number,
  timer: { id: string; labelled?: boolean },
  outcome: LabelOutcome,
  update: (q: Knex | Knex.Transaction) => Promise<number>,
): Promise<number> {
  if (timer.labelled === false) return update(db);
  return db.transaction(async (trx) => {
    const changed = await update(trx);
    if (changed === 1) await setLabelOutcome(trx, timeoutMs, [timer.id], outcome);
    return changed;
  });
}

export async function setLabelOutcome(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  ids: readonly string[],
  outcome: LabelOutcome,
): Promise<void> {
  for (let from = 0; from < ids.length; from += 500) {
    const part = ids.slice(from, from + 500);
    await write(
      db,
      timeoutMs,
      `UPDATE timer_labels SET outcome = ? WHERE timer_id IN (${part.map(() => '?').join(', ')})`,
      [outcome, ...part],
    );
  }
}
