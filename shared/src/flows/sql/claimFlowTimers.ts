/**
 * claimFlowTimers: takes the due timers of one limited flow, oldest first, as many
 * as the flow has capacity for across the whole fleet, and gives each a lease.
 *
 * Parameters: flowId, owner (controller id), limit (room in this controller),
 * leaseMs.
 *
 * In one transaction, on the database clock:
 *   1. The flow's row, `FOR UPDATE`: every controller claiming this flow takes its
 *      turn here, so the capacity each one computes is the one left by the last.
 *      Nobody else ever waits on this row (the ordinary claim does not read it).
 *   2. Parallelism: the flow's live rows in flow_leases (expired ones, of a dead
 *      controller, are deleted first) are its requests possibly in flight.
 *   3. Rate: send slots (sendSlots.ts, GCRA) from the flow's theoretical arrival
 *      time, kept in `tokens_at`: a timer is taken only with a slot within the
 *      next HORIZON_MS, and is sent at its slot, not when the claim returns.
 *   4. The timers: `flow_id = ? AND flow_due_at <= now ORDER BY flow_due_at LIMIT
 *      capacity FOR UPDATE SKIP LOCKED` (index timers_flow), marked 'firing' under
 *      a lease as the ordinary claim does, a flow_leases row each, and the TAT
 *      written back.
 * A paused flow takes nothing.
 *
 * SQLite: the one connection runs one transaction at a time, so the row lock and
 * SKIP LOCKED have nothing to do, as in claimDueTimers.ts.
 */
import type { Knex } from 'knex';
import { DbTime, dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';
import type { AtRest } from '../../crypto/atRest';
import { CLAIM_COLUMNS, ClaimRow, toClaimedTimer } from '../../timers/sql/claimedRow';
import type { ClaimedTimer } from '../../timers/types';
import { ClaimGate, holdBackBlocked } from '../gate';
import { planSlots } from '../sendSlots';
import { defaultBurst, FlowClaim } from '../types';

/** A request leaves this long after the claim that planned it: longer than the claim's round trip. */
const SEND_DELAY_MS = 50;
/** A claim plans the slots of this much time ahead; the flow is claimed again as the next enters it. */
const HORIZON_MS = 100;

interface FlowRow {
  parallelism: number | null;
  rate: number | null;
  burst: number | null;
  paused: number;
  elapsed_ms: number | string;
  /** The database's now when the bucket was read: it is refilled up to this instant, and no further. */
  read_at: DbTime;
}

export interface FlowClaimRequest {
  flowId: number;
  owner: string;
  limit: number;
  leaseMs: number;
  /** Origins whose timers must wait (or only probe); none: every origin is healthy. */
  gate?: ClaimGate;
}

export async function claimFlowTimers(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  claim: FlowClaimRequest,
): Promise<FlowClaim<ClaimedTimer>> {
  const d = dialectOf(db);
  const { flowId } = claim;
  return db.transaction(async (trx) => {
    const [locked] = await select<{ id: number }>(trx, timeoutMs, `SELECT id FROM flows WHERE id = ? ${d.rowLock}`, [
      flowId,
    ]);
    // Read once the lock is ours: a claim that waited for it plans slots from now, not from before its wait.
    const [flow] = locked
      ? await select<FlowRow>(
          trx,
          timeoutMs,
          `SELECT parallelism, rate, burst, paused, ${d.msBetween('tokens_at', d.now)} AS elapsed_ms,
                  ${d.now} AS read_at
           FROM flows WHERE id = ?`,
          [flowId],
        )
      : [];
    if (!flow) return { timers: [], stoppedBy: 'empty', nextTokenMs: null, readAt: null, sendAt: null };
    const readAt = d.date(flow.read_at);
    if (Number(flow.paused) === 1) return { timers: [], stoppedBy: 'paused', nextTokenMs: null, readAt, sendAt: null };

    let capacity = claim.limit;
    let stoppedBy: FlowClaim<ClaimedTimer>['stoppedBy'] = 'room';
    if (flow.parallelism !== null) {
      await write(trx, timeoutMs, `DELETE FROM flow_leases WHERE flow_id = ? AND expires_at <= ${d.now}`, [flowId]);
      const [{ n }] = await select<{ n: number | string }>(
        trx,
        timeoutMs,
        'SELECT COUNT(*) AS n FROM flow_leases WHERE flow_id = ?',
        [flowId],
      );
      const free = flow.parallelism - Number(n);
      if (free < capacity) [capacity, stoppedBy] = [free, 'parallelism'];
    }
    // The rate: send slots (sendSlots.ts) from the flow's TAT, kept in tokens_at.
    const plan =
      flow.rate === null
        ? null
        : planSlots(
            { rate: flow.rate, burst: flow.burst ?? defaultBurst(flow.rate) },
            -Number(flow.elapsed_ms),
            capacity,
            SEND_DELAY_MS,
            HORIZON_MS,
          );
    if (plan && plan.slots.length < capacity) [capacity, stoppedBy] = [plan.slots.length, 'rate'];
    const result = (timers: ClaimedTimer[], sendAt: Date[] | null) => ({
      timers,
      stoppedBy,
      nextTokenMs: plan ? plan.nextInMs(timers.length) : null,
      readAt,
      sendAt,
    });
    if (capacity <= 0) return result([], null);

    const due = await select<ClaimRow>(
      trx,
      timeoutMs,
      `SELECT ${CLAIM_COLUMNS}
       FROM timers
       WHERE flow_id = ? AND flow_due_at <= ${d.now} AND status = 'pending'
       ORDER BY flow_due_at
       LIMIT ?
       ${d.claimLock}`,
      [flowId, capacity],
    );
    if (due.length < capacity) stoppedBy = 'empty';
    // Timers whose origin asked to wait keep their place in the flow, later; they spend no token.
    const rows = claim.gate ? (await holdBackBlocked(trx, timeoutMs, claim.gate, 'flow_due_at', due)).free : due;
    if (rows.length < due.length) stoppedBy = 'empty';
    if (rows.length > 0) {
      const ids = rows.map((r) => r.id);
      const list = ids.map(() => '?').join(', ');
      await write(
        trx,
        timeoutMs,
        `UPDATE timers
         SET status = 'firing', locked_by = ?, lease_token = lease_token + 1, attempts = attempts + 1,
             due_at = ${d.plus(d.now)}, flow_due_at = NULL, updated_at = ${d.now}
         WHERE id IN (${list})`,
        [claim.owner, d.duration(claim.leaseMs), ...ids],
      );
      if (flow.parallelism !== null) {
        await write(
          trx,
          timeoutMs,
          `INSERT INTO flow_leases (timer_id, flow_id, expires_at)
           VALUES ${ids.map(() => `(?, ?, ${d.plus(d.now)})`).join(', ')}
           ${d.onConflictUpdate('timer_id')} flow_id = ${d.inserted('flow_id')}, expires_at = ${d.inserted('expires_at')}`,
          ids.flatMap((id) => [id, flowId, d.duration(claim.leaseMs)]),
        );
      }
    }
    const claimed = rows.map((r) => toClaimedTimer(d, r, r.flow_due_at!, flowId, atRest));
    if (!plan) return result(claimed, null);
    const tatAt = new Date(readAt.getTime() + plan.tats[rows.length]);
    await write(trx, timeoutMs, 'UPDATE flows SET tokens_at = ? WHERE id = ?', [tatAt, flowId]);
    return result(
      claimed,
      plan.slots.slice(0, rows.length).map((ms) => new Date(readAt.getTime() + ms)),
    );
  });
}
