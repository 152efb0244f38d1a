/**
 * Completion notices: when a timer's series of attempts ends, the write that
 * records the end also creates the notice, as a timer of its own in the same
 * transaction. The notice has the guarantee, retries and signature of any timer;
 * it belongs to the same owner and tenant, has no callbacks (a notice never sends
 * a notice), and lives on however the parent's retention goes.
 *
 * createNotices(trx, claims, status): for the claims marked `notify` (the claim
 * read that the timer has callbacks) that the outcome write just moved to
 * `status` under their own lease (the fence again, so a write that lost its lease
 * creates nothing), reads the timer as it now is and inserts one pending notice,
 * due now, to `on_success` (fired) or `on_failure` (failed, skipped), when that
 * callback is set. Its body, sent to the callback URL exactly as given:
 *   {"type": "timer.succeeded" | "timer.failed", "outcome": "fired" | "failed" |
 *    "skipped", "last_error", "timer": <the timer as GET /timers/{id} shows it>}
 * Timers without callbacks cost nothing here: no claim of theirs is marked, and
 * their outcome writes run exactly as before.
 *
 * Data keys (atRest.ts): the parent's url, webhook and callbacks are opened from
 * its sealed row, and the notice is written like any timer, so its url (the
 * callback URL) and its webhook (the body: the parent's snapshot, URL and payload
 * included) are sealed for the same tenant. A parent whose sealed values do not
 * open (a data key removed before its values were re-sealed) gets no notice: its
 * outcome is still written, instead of failing the write over and over.
 *
 * recordEnd: runs an outcome write with its attempts, notices and the label
 * rows' outcome (labelOutcome.ts) in one transaction (without notices or labels,
 * as withAttempts does: one round trip on MySQL).
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { DataKeyError } from '../../crypto/dataKeys';
import { Dialect, dialectOf } from '../../db/dialect';
import { select, Statement, write } from '../../db/query';
import { newId } from '../../ids';
import { insertAttempts, withAttempts } from '../../attempts/sql/insertAttempts';
import type { AttemptRecord, ClaimRef, TimerRecord } from '../types';
import { timerView } from '../view';
import { timerColumns, TimerRow, toRecord } from './columns';
import { claimFence } from './fence';
import { insertTimers, NewTimer } from './insertTimers';
import { setLabelOutcome } from './labelOutcome';

export type EndStatus = 'fired' | 'failed' | 'skipped';

export async function createNotices(
  trx: Knex.Transaction,
  timeoutMs: number,
  atRest: AtRest,
  claims: readonly ClaimRef[],
  status: EndStatus,
): Promise<number> {
  const marked = claims.filter((c) => c.notify);
  if (marked.length === 0) return 0;
  const d = dialectOf(trx);
  const fence = claimFence(marked);
  const rows = await select<TimerRow & { owner: string | null; now_ms: number | string }>(
    trx,
    timeoutMs,
    `SELECT ${timerColumns(d)}, owner, ${d.nowEpochMs} AS now_ms
     FROM timers WHERE ${fence.sql} AND status = ? AND callbacks IS NOT NULL`,
    [...fence.bindings, status],
  );
  const notices = rows.flatMap((row): NewTimer[] => {
    const record = openRecord(d, row, atRest);
    if (record === null) return [];
    const url = status === 'fired' ? record.callbacks.onSuccess : record.callbacks.onFailure;
    if (url === undefined) return [];
    const now = new Date(Number(row.now_ms));
    return [
      {
        id: newId(),
        url,
        createdAt: now,
        fireAt: now,
        owner: row.owner,
        tenant: row.tenant,
        webhook: {
          content: { kind: 'payload', value: noticeBody(record, status) },
          headers: [],
          method: 'POST',
          appendId: false,
        },
      },
    ];
  });
  await insertTimers(trx, timeoutMs, atRest, notices);
  return notices.length;
}

/** The parent as it now is; null when a sealed value of its row does not open. */
function openRecord(d: Dialect, row: TimerRow, atRest: AtRest): TimerRecord | null {
  try {
    return toRecord(d, row, atRest);
  } catch (err) {
    if (err instanceof DataKeyError) return null;
    throw err;
  }
}

/** What a notice sends: the outcome, and the timer as it is once the outcome is written. */
export function noticeBody(record: TimerRecord, status: EndStatus) {
  return {
    type: status === 'fired' ? 'timer.succeeded' : 'timer.failed',
    outcome: status,
    last_error: record.lastError,
    timer: timerView(record),
  };
}

/**
 * Runs `update` (the outcome write of `claims`, leaving them in `status`) with its
 * attempts, the notices it owes and the outcome of the labelled timers' label
 * rows, in one transaction; returns the rows `update` changed. Without notices or
 * labels, nothing depends on that count and it goes as withAttempts sends it;
 * without any of those, as the one statement it always was.
 */
export async function recordEnd(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  end: { claims: readonly ClaimRef[]; status: EndStatus; attempts: readonly AttemptRecord[] },
  update: Statement,
): Promise<number> {
  const notify = end.claims.some((c) => c.notify);
  const labelled = end.claims.filter((c) => c.labelled !== false);
  // Nothing depends on what the update changed: it goes with its attempts (withAttempts).
  if (!notify && labelled.length === 0) return withAttempts(db, timeoutMs, end.attempts, update);
  return db.transaction(async (trx) => {
    const changed = await write(trx, timeoutMs, update.sql, update.bindings);
    if (labelled.length > 0 && changed > 0) {
      // All moved (the usual case): no need to ask which; else those still under their claim.
      const moved =
        changed === end.claims.length
          ? labelled.map((c) => c.id)
          : await movedUnder(trx, timeoutMs, labelled, end.status);
      await setLabelOutcome(trx, timeoutMs, moved, end.status);
    }
    await insertAttempts(trx, timeoutMs, end.attempts);
    if (notify) await createNotices(trx, timeoutMs, atRest, end.claims, end.status);
    return changed;
  });
}

/** Of `claims`, those the outcome write just moved to `status` under their own lease. */
async function movedUnder(
  trx: Knex.Transaction,
  timeoutMs: number,
  claims: readonly ClaimRef[],
  status: EndStatus,
): Promise<string[]> {
  const fence = claimFence(claims);
  const rows = await select<{ id: string }>(trx, timeoutMs, `SELECT id FROM timers WHERE ${fence.sql} AND status = ?`, [
    ...fence.bindings,
    status,
  ]);
  return rows.map((r) => r.id);
}
