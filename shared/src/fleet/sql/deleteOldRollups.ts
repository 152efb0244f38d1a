/**
 * deleteOldRollups: deletes delivery rollups older than the retention, oldest
 * first, at most `limit` rows (the cleanup repeats it while batches come back
 * full). The primary key starts with the minute, so this is a range delete on it.
 *
 * Parameters: retentionMs, limit. Locks: the rows it deletes (old minutes no
 * controller writes any more).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';

export async function deleteOldRollups(
  db: Knex,
  timeoutMs: number,
  batch: { retentionMs: number; limit: number },
): Promise<number> {
  const d = dialectOf(db);
  if (d.name === 'sqlite') {
    return write(
      db,
      timeoutMs,
      `DELETE FROM delivery_rollups WHERE rowid IN
         (SELECT rowid FROM delivery_rollups WHERE minute < ${d.minus(d.now)} ORDER BY minute LIMIT ?)`,
      [d.duration(batch.retentionMs), batch.limit],
    );
  }
  return write(db, timeoutMs, `DELETE FROM delivery_rollups WHERE minute < ${d.minus(d.now)} ORDER BY minute LIMIT ?`, [
    d.duration(batch.retentionMs),
    batch.limit,
  ]);
}
