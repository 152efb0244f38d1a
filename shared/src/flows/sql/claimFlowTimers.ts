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
 *   3. Rate: the token bucket refilled for the time since `tokens_at`, capped at
 *      the burst; a whole token per timer. `tokens_at` becomes the instant the
 *      bucket was read, so the transaction's own duration is not lost to the rate.
 *   4. The timers: `flow_id = ? AND flow_due_at <= now ORDER BY flow_due_at LIMIT
 *      capacity FOR UPDATE SKIP LOCKED` (index timers_flow), marked 'firing' under
 *      a lease as the ordinary claim does, a flow_leases row each, and the spent
 *      tokens written back.
 * A paused flow takes nothing.
 *
 * SQLite: the one connection runs one transaction at a time, so the row lock and
 * SKIP LOCKED have nothing to do, as in claimDueTimers.ts.
 */
import type { Knex } from 'knex';
import { DbTime, dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';
import { CLAIM_COLUMNS, ClaimRow, toClaimedTimer } from '../../timers/sql/claimedRow';
import type { ClaimedTimer } from '../../timers/types';
import { ClaimGate, holdBackBlocked } from '../gate';
import { defaultBurst, FlowClaim } from '../types';

interface FlowRow {
  parallelism: number | null;
  rate: number | null;
  burst: number | null;
  paused: number;
  tokens: number;
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
  claim: FlowClaimRequest,
): Promise<FlowClaim<ClaimedTimer>> {
  const d = dialectOf(db);
  const { flowId } = claim;
  return db.transaction(async (trx) => {
    const [locked] = await select<{ id: number }>(trx, timeoutMs, `SELECT id FROM flows WHERE id = ? ${d.rowLock}`, [
      flowId,
    ]);
    // Read once the lock is ours: a claim that waited for it spends tokens as of now, not as of its wait.
    const [flow] = locked
      ? await select<FlowRow>(
          trx,
          timeoutMs,
          `SELECT parallelism, rate, burst, paused, tokens, ${d.msBetween('tokens_at', d.now)} AS elapsed_ms,
                  ${d.now} AS read_at
           FROM flows WHERE id = ?`,
          [flowId],
        )
      : [];
    if (!flow) return { timers: [], stoppedBy: 'empty', nextTokenMs: null, readAt: null, rate: null };
    const readAt = d.date(flow.read_at);
    if (Number(flow.paused) === 1)
      return { timers: [], stoppedBy: 'paused', nextTokenMs: null, readAt, rate: flow.rate };

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
    let tokens = 0;
    const burst = flow.rate === null ? 0 : (flow.burst ?? defaultBurst(flow.rate));
    if (flow.rate !== null) {
      tokens = Math.min(burst, Number(flow.tokens) + (Math.max(0, Number(flow.elapsed_ms)) * flow.rate) / 1000);
      const whole = Math.floor(tokens);
      if (whole < capacity) [capacity, stoppedBy] = [whole, 'rate'];
    }
    // When to come back: once half the burst has refilled, so a busy flow is claimed
    // in batches of about burst/2 rather than one token at a time.
    const nextTokenMs = (spent: number) =>
      flow.rate === null
        ? null
        : Math.max(1, Math.ceil(((Math.max(1, Math.floor(burst / 2)) - (tokens - spent)) * 1000) / flow.rate));
    if (capacity <= 0) return { timers: [], stoppedBy, nextTokenMs: nextTokenMs(0), readAt, rate: flow.rate };

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
    if (flow.rate !== null) {
      await write(trx, timeoutMs, 'UPDATE flows SET tokens = ?, tokens_at = ? WHERE id = ?', [
        tokens - rows.length,
        flow.read_at,
        flowId,
      ]);
    }
    return {
      timers: rows.map((r) => toClaimedTimer(d, r, r.flow_due_at!, flowId)),
      stoppedBy,
      nextTokenMs: nextTokenMs(rows.length),
      readAt,
      rate: flow.rate,
    };
  });
}
