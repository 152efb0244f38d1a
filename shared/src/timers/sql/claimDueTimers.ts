/**
 * claimDueTimers: takes up to `limit` due timers for one controller, oldest first,
 * and gives each a lease.
 *
 * Parameters: owner (controller id), limit, leaseMs.
 *
 * "Due" is `due_at <= NOW(3)` on the database clock: a pending timer whose fire or
 * retry time has come, or a firing timer whose lease expired because its controller
 * died. Both are one range scan of timers_due_at, ordered by it.
 *
 * Locks: `FOR UPDATE SKIP LOCKED` locks the rows it returns and passes over rows
 * another controller is claiming at this moment, so concurrent controllers never
 * wait on each other and never get the same row. The UPDATE, in the same
 * transaction, marks them 'firing', sets due_at to the lease expiry and bumps
 * lease_token, which fences every later update to this claim. After COMMIT the row
 * locks are gone; the lease (status + due_at in the future) is what keeps other
 * controllers away while the webhook is sent.
 *
 * attempts counts deliveries started, so a controller that dies mid-request still
 * has its attempt counted.
 */
import type { Knex } from 'knex';
import { select, write } from '../../db/query';
import type { ClaimedTimer } from '../types';

interface DueRow {
  id: string;
  url: string;
  fire_at: Date;
  attempts: number;
  lease_token: number | string;
}

export async function claimDueTimers(
  db: Knex,
  timeoutMs: number,
  claim: { owner: string; limit: number; leaseMs: number },
): Promise<ClaimedTimer[]> {
  return db.transaction(async (trx) => {
    const rows = await select<DueRow>(
      trx,
      timeoutMs,
      `SELECT id, url, fire_at, attempts, lease_token FROM timers
       WHERE due_at <= NOW(3)
       ORDER BY due_at
       LIMIT ?
       FOR UPDATE SKIP LOCKED`,
      [claim.limit],
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    await write(
      trx,
      timeoutMs,
      `UPDATE timers
       SET status = 'firing', locked_by = ?, lease_token = lease_token + 1,
           attempts = attempts + 1, due_at = NOW(3) + INTERVAL ? MICROSECOND, updated_at = NOW(3)
       WHERE id IN (${ids.map(() => '?').join(', ')})`,
      [claim.owner, claim.leaseMs * 1000, ...ids],
    );
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      fireAt: r.fire_at,
      attempt: r.attempts + 1,
      leaseToken: Number(r.lease_token) + 1,
    }));
  });
}
