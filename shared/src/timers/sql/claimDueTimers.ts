/**
 * claimDueTimers: takes up to `limit` timers for one controller, soonest first,
 * and gives each a lease. It claims a little ahead of time, so the controller can
 * send each webhook on the very millisecond it is due instead of at its next poll.
 *
 * Parameters: owner (controller id), limit, leaseMs, lookaheadMs.
 *
 * What it takes, on the database clock:
 *   - pending timers due within the next `lookaheadMs` (fire or retry time);
 *   - firing timers whose lease has expired, because their controller died.
 * A firing timer whose lease is still live is never taken, however soon it
 * expires. Both cases are one range scan of timers_due_at, ordered by it.
 *
 * Locks: `FOR UPDATE SKIP LOCKED` locks the rows it returns and passes over rows
 * another controller is claiming at this moment, so concurrent controllers never
 * wait on each other and never get the same row. The UPDATE, in the same
 * transaction, marks them 'firing', moves due_at to the lease expiry (the later
 * of the due time and now, plus leaseMs) and bumps lease_token, which fences every
 * later update to this claim. After COMMIT the row locks are gone; the lease is
 * what keeps other controllers away until the webhook is sent.
 *
 * SQLite (dialect.ts): no SKIP LOCKED, and none needed. The one process holds the
 * file's exclusive lock and its one connection runs one transaction at a time, so
 * nothing can write between this SELECT and UPDATE: the transaction is as good as
 * a BEGIN IMMEDIATE. The lease and lease_token work exactly as on MySQL.
 *
 * attempts counts deliveries started in the current series: it is raised here,
 * and taken back by releaseUnsent (or skipTimer) for a claim that never sent its
 * request. The claim also hands the controller the timer's own delivery policy
 * (retry schedule, missed-fire policy), so no second read is needed. The
 * missed-fire policy is about the fire itself: it is handed over only while no
 * delivery has failed and the timer was never replayed (a claim after a crash,
 * with no outcome recorded, is still the fire); retries follow the retry policy,
 * and a replay always sends. It hands over the stored trace context as well, so
 * the delivery joins the trace of the request that created (or replayed) the timer.
 * What the timer sends is not read here (see claimedRow.ts).
 *
 * Flow control (flows/): with a `gate`, a row whose origin asked the fleet to wait
 * (Retry-After, open breaker) is deferred unsent (deferTimers.ts), and a row of a
 * configured flow (by its tenant and flow key) is not claimed but parked
 * (parkTimers.ts): due_at NULL, its due time in flow_due_at, so this scan never
 * meets it again and only its flow's claim takes it. With no flow configured and
 * no origin unhealthy the controller passes no gate, and the statements are
 * exactly those of a service without flow control.
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { Dialect, dialectOf } from '../../db/dialect';
import { retryOnDeadlock, select, write } from '../../db/query';
import { flowKeyOf } from '../../flows/flowKey';
import { ClaimGate, holdBackBlocked } from '../../flows/gate';
import { parkTimers } from '../../flows/sql/parkTimers';
import type { ClaimedTimer } from '../types';
import { CLAIM_COLUMNS, ClaimRow, toClaimedTimer } from './claimedRow';

export interface ClaimBatch {
  timers: ClaimedTimer[];
  /** Due timers parked for their limited flow, or deferred for their origin, instead of claimed. */
  parked: number;
}

export function claimDueTimers(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  claim: { owner: string; limit: number; leaseMs: number; lookaheadMs: number },
  gate?: ClaimGate,
): Promise<ClaimBatch> {
  const d = dialectOf(db);
  // InnoDB may pick the claim as a deadlock victim against a cancel or change locking the
  // same rows in the other order: the whole transaction was rolled back, so it is run again.
  return retryOnDeadlock(() => claimIn(db, timeoutMs, atRest, claim, gate, d));
}

function claimIn(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  claim: { owner: string; limit: number; leaseMs: number; lookaheadMs: number },
  gate: ClaimGate | undefined,
  d: Dialect,
): Promise<ClaimBatch> {
  return db.transaction(async (trx) => {
    const rows = await select<ClaimRow>(
      trx,
      timeoutMs,
      `SELECT ${CLAIM_COLUMNS}
       FROM timers
       WHERE due_at <= ${d.plus(d.now)}
         AND (status = 'pending' OR due_at <= ${d.now})
       ORDER BY due_at
       LIMIT ?
       ${d.claimLock}`,
      [d.duration(claim.lookaheadMs), claim.limit],
    );
    if (rows.length === 0) return { timers: [], parked: 0 };
    const toPark = new Map<number, string[]>();
    const taken: ClaimRow[] = [];
    const { free, deferred } = gate
      ? await holdBackBlocked(trx, timeoutMs, gate, 'due_at', rows)
      : { free: rows, deferred: 0 };
    for (const row of free) {
      const flowId = gate?.flowOf(row.tenant, flowKeyOf(row.url, row.flow_key), row.url);
      if (flowId === undefined) taken.push(row);
      else toPark.set(flowId, [...(toPark.get(flowId) ?? []), row.id]);
    }
    let parked = deferred;
    for (const [flowId, ids] of toPark) parked += await parkTimers(trx, timeoutMs, flowId, ids);
    if (taken.length === 0) return { timers: [], parked };
    const ids = taken.map((r) => r.id);
    await write(
      trx,
      timeoutMs,
      `UPDATE timers
       SET status = 'firing', locked_by = ?, lease_token = lease_token + 1,
           attempts = attempts + 1, due_at = ${d.plus(d.greatest('due_at', d.now))},
           updated_at = ${d.now}
       WHERE id IN (${ids.map(() => '?').join(', ')})`,
      [claim.owner, d.duration(claim.leaseMs), ...ids],
    );
    return { timers: taken.map((r) => toClaimedTimer(d, r, r.due_at!, null, atRest)), parked };
  });
}
