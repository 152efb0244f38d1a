/**
 * deleteFinishedTimers: one bounded batch of the retention cleanup. Deletes up to
 * `limit` timers that finished (fired, failed, canceled, skipped) more than
 * `retentionMs` ago on the database clock, and their delivery history.
 *
 * Parameters: retentionMs, limit. Returns how many timers it deleted; the caller
 * repeats while batches come back full.
 *
 * One transaction: the SELECT takes the batch through timers_status_updated_at
 * (a short range per status) and locks it (`FOR UPDATE SKIP LOCKED`: a row a
 * replay is changing right now is left for the next run), so nothing can revive a
 * timer between choosing it and deleting it; then its attempts and labels go,
 * then the timers. A batch is bounded so locks and undo stay small while the api and the
 * controllers keep working. SQLite: one connection runs the transaction whole.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';
import { FINISHED_STATUSES } from '../../timers/types';

const FINISHED = FINISHED_STATUSES.map((s) => `'${s}'`).join(', ');

export async function deleteFinishedTimers(
  db: Knex,
  timeoutMs: number,
  batch: { retentionMs: number; limit: number },
): Promise<number> {
  const d = dialectOf(db);
  return db.transaction(async (trx) => {
    const rows = await select<{ id: string }>(
      trx,
      timeoutMs,
      `SELECT id FROM timers
       WHERE status IN (${FINISHED}) AND updated_at < ${d.minus(d.now)}
       LIMIT ?
       ${d.claimLock}`,
      [d.duration(batch.retentionMs), batch.limit],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    const list = ids.map(() => '?').join(', ');
    await write(trx, timeoutMs, `DELETE FROM timer_attempts WHERE timer_id IN (${list})`, ids);
    await write(trx, timeoutMs, `DELETE FROM timer_labels WHERE timer_id IN (${list})`, ids);
    return write(trx, timeoutMs, `DELETE FROM timers WHERE id IN (${list})`, ids);
  });
}
