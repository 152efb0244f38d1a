/**
 * insertIdempotentTimer: stores a new timer, or a batch of them, together with the
 * Idempotency-Key it was created with, in one transaction, so a key is never seen
 * without its timers.
 *
 * Parameters: the timers (as insertTimers), and the key: owner, key, requestHash,
 * and `batch` (the key stands for a set: timer_ids lists them in order).
 * Returns 'created', or 'taken' when another request holds the key (the caller
 * then reads that request's row and answers from it).
 *
 * How concurrent duplicates are settled, without read-then-write:
 *   1. An expired key (older than IDEMPOTENCY_TTL_MS on the database clock) is
 *      taken over in place by a conditional UPDATE; of two racing, one changes it.
 *   2. Otherwise the key is INSERTed. The primary key (owner, idem_key) lets one
 *      INSERT win. On MySQL the others wait on the winner's uncommitted row lock
 *      and fail on the key once it commits (or, rarely, one becomes a deadlock
 *      victim if it rolled back): both are 'taken'. On SQLite the one connection
 *      runs these transactions one after another, and the second fails on the key.
 * Locks: the key's row (or its place in the primary key) and the new timer's
 * row, until COMMIT. Each idempotent create is its own transaction: it does not
 * go through the coalesced multi-row INSERT.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { isDeadlock, isDuplicateKeyError } from '../../db/errors';
import { write } from '../../db/query';
import { IDEMPOTENCY_TTL_MS } from '../types';
import type { AtRest } from '../../crypto/atRest';
import { insertTimers, NewTimer } from './insertTimers';

export interface IdempotencyKey {
  owner: string;
  key: string;
  requestHash: string;
  /** The key was sent with POST /timers/batch. */
  batch?: boolean;
}

export async function insertIdempotentTimer(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  timers: readonly NewTimer[],
  key: IdempotencyKey,
): Promise<'created' | 'taken'> {
  const d = dialectOf(db);
  const first = timers[0];
  const ids = key.batch ? JSON.stringify(timers.map((t) => t.id)) : null;
  try {
    return await db.transaction(async (trx) => {
      const tookOver = await write(
        trx,
        timeoutMs,
        `UPDATE idempotency_keys SET request_hash = ?, timer_id = ?, timer_ids = ?, created_at = ?
         WHERE owner = ? AND idem_key = ? AND created_at <= ${d.minus(d.now)}`,
        [key.requestHash, first.id, ids, first.createdAt, key.owner, key.key, d.duration(IDEMPOTENCY_TTL_MS)],
      );
      if (tookOver === 0) {
        await write(
          trx,
          timeoutMs,
          `INSERT INTO idempotency_keys (owner, idem_key, request_hash, timer_id, timer_ids, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
          [key.owner, key.key, key.requestHash, first.id, ids, first.createdAt],
        );
      }
      await insertTimers(trx, timeoutMs, atRest, timers);
      return 'created' as const;
    });
  } catch (err) {
    if (isDuplicateKeyError(err) || isDeadlock(err)) return 'taken';
    throw err;
  }
}
