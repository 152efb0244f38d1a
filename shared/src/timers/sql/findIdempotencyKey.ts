/**
 * findIdempotencyKey: what an earlier POST /timers with this Idempotency-Key
 * stored: its body's hash, its timer, and whether the key is still live (younger
 * than IDEMPOTENCY_TTL_MS on the database clock; an expired row may linger until
 * the cleanup deletes it, and is then as good as absent).
 *
 * Parameters: owner, key. A primary-key lookup; a plain read, no locks.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import { IDEMPOTENCY_TTL_MS, IdempotencyRecord } from '../types';

export async function findIdempotencyKey(
  db: Knex,
  timeoutMs: number,
  owner: string,
  key: string,
): Promise<IdempotencyRecord | null> {
  const d = dialectOf(db);
  const [row] = await select<{
    request_hash: string;
    timer_id: string;
    timer_ids: string | null;
    live: number | string;
  }>(
    db,
    timeoutMs,
    `SELECT request_hash, timer_id, timer_ids, CASE WHEN created_at > ${d.minus(d.now)} THEN 1 ELSE 0 END AS live
     FROM idempotency_keys WHERE owner = ? AND idem_key = ?`,
    [d.duration(IDEMPOTENCY_TTL_MS), owner, key],
  );
  if (!row) return null;
  return {
    requestHash: row.request_hash,
    timerId: row.timer_id,
    live: Number(row.live) === 1,
    timerIds: row.timer_ids === null ? null : (JSON.parse(row.timer_ids) as string[]),
  };
}
