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
 *
 * What the timer sends (timers.webhook) is not read here: only whether it has
 * its own (custom_webhook). The controller loads it when the request starts
 * (findWebhookSpecs), so a held timer weighs the same whatever its body.
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { DataKeyError } from '../../crypto/dataKeys';
import { DbTime, dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';
import { storedContext } from '../../tracing/tracing';
import type { ClaimedTimer } from '../types';

interface DueRow {
  id: string;
  tenant: string;
  url: string;
  url_sealed: string | null;
  fire_at: DbTime;
  due_at: DbTime;
  attempts: number;
  prior_attempts: number;
  lease_token: number | string;
  max_attempts: number | null;
  retry_base_ms: number | null;
  retry_max_ms: number | null;
  max_lateness_s: number | null;
  version: number | string;
  trace_parent: string | null;
  trace_state: string | null;
  trace_link: string | null;
  /** 1 while nothing has failed and the timer was never replayed: the next delivery is the fire itself. */
  untried: number | string;
  custom_webhook: number | string;
  notify: number | string;
}

export async function claimDueTimers(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  claim: { owner: string; limit: number; leaseMs: number; lookaheadMs: number },
): Promise<ClaimedTimer[]> {
  const d = dialectOf(db);
  return db.transaction(async (trx) => {
    const rows = await select<DueRow>(
      trx,
      timeoutMs,
      `SELECT id, tenant, url, url_sealed, fire_at, due_at, attempts, prior_attempts, lease_token,
              max_attempts, retry_base_ms, retry_max_ms, max_lateness_s, version, trace_parent, trace_state, trace_link,
              CASE WHEN prior_attempts = 0 AND last_error IS NULL THEN 1 ELSE 0 END AS untried,
              CASE WHEN webhook IS NULL THEN 0 ELSE 1 END AS custom_webhook,
              CASE WHEN callbacks IS NULL THEN 0 ELSE 1 END AS notify
       FROM timers
       WHERE due_at <= ${d.plus(d.now)}
         AND (status = 'pending' OR due_at <= ${d.now})
       ORDER BY due_at
       LIMIT ?
       ${d.claimLock}`,
      [d.duration(claim.lookaheadMs), claim.limit],
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
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
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      ...openUrl(atRest, r),
      fireAt: d.date(r.fire_at),
      dueAt: d.date(r.due_at),
      attempt: r.attempts + 1,
      attemptNumber: r.prior_attempts + r.attempts + 1,
      leaseToken: Number(r.lease_token) + 1,
      retry: { maxAttempts: r.max_attempts, baseMs: r.retry_base_ms, maxMs: r.retry_max_ms },
      maxLatenessMs: r.max_lateness_s !== null && Number(r.untried) === 1 ? r.max_lateness_s * 1000 : null,
      version: Number(r.version),
      customWebhook: Number(r.custom_webhook) === 1,
      notify: Number(r.notify) === 1,
      trace: { parent: storedContext(r.trace_parent, r.trace_state), link: storedContext(r.trace_link) },
    }));
  });
}

/** The URL to send to; one that does not open fails only its own timer (ClaimedTimer.unreadable). */
function openUrl(atRest: AtRest, r: DueRow): { url: string; unreadable?: string } {
  try {
    return { url: atRest.openUrl({ url: r.url, urlSealed: r.url_sealed }, r.tenant) };
  } catch (err) {
    if (!(err instanceof DataKeyError)) throw err;
    return { url: r.url, unreadable: `the webhook URL ${err.message}` };
  }
}
