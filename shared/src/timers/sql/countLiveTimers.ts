/**
 * countLiveTimers: how many timers one owner has that are still to fire (pending
 * or firing), for MAX_PENDING_PER_KEY. Parameters: owner. A range of the
 * timers_owner_status index; a plain read, no locks.
 */
import type { Knex } from 'knex';
import { select } from '../../db/query';

export async function countLiveTimers(db: Knex, timeoutMs: number, owner: string): Promise<number> {
  const [row] = await select<{ n: number | string }>(
    db,
    timeoutMs,
    "SELECT COUNT(*) AS n FROM timers WHERE owner = ? AND status IN ('pending', 'firing')",
    [owner],
  );
  return Number(row.n);
}
