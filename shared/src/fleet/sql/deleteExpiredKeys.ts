/**
 * deleteExpiredKeys: one bounded batch of the cleanup of Idempotency-Keys older
 * than IDEMPOTENCY_TTL_MS (database clock). An expired key already counts as
 * absent (findIdempotencyKey); this only keeps the table small.
 *
 * Parameters: limit. Returns how many keys it deleted. A range of
 * idempotency_keys_created_at, then a delete by primary key that checks the age
 * again: a key a request took over in between has a fresh created_at and stays.
 * Locks: the deleted rows, for the length of the DELETE.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';
import { IDEMPOTENCY_TTL_MS } from '../../timers/types';

export async function deleteExpiredKeys(db: Knex, timeoutMs: number, limit: number): Promise<number> {
  const d = dialectOf(db);
  const ttl = d.duration(IDEMPOTENCY_TTL_MS);
  const rows = await select<{ owner: string; idem_key: string }>(
    db,
    timeoutMs,
    `SELECT owner, idem_key FROM idempotency_keys WHERE created_at <= ${d.minus(d.now)} LIMIT ?`,
    [ttl, limit],
  );
  if (rows.length === 0) return 0;
  return write(
    db,
    timeoutMs,
    `DELETE FROM idempotency_keys
     WHERE (owner, idem_key) IN (${rows.map(() => '(?, ?)').join(', ')}) AND created_at <= ${d.minus(d.now)}`,
    [...rows.flatMap((r) => [r.owner, r.idem_key]), ttl],
  );
}
