/**
 * What receivers say about themselves, per origin (the origins table), written by
 * the controllers as answers come in and read by them with the flows:
 *
 *   backOffOrigin   a 429/503 with Retry-After: backoff_until is pushed to now +
 *                   the wait (never pulled earlier by a shorter one).
 *   failOrigin      connection failures or 5xx answers (`count` of them in a row,
 *                   as one controller saw them): failures + count; at `threshold`
 *                   in a row the breaker opens (open_until = now + openMs). Two
 *                   statements in one transaction: MySQL and SQLite differ in what
 *                   a later SET sees of an earlier one.
 *   healOrigin      an answer that is not a 5xx: failures 0, breaker closed; true
 *                   only when the breaker was open. Only called for an origin
 *                   known to be unhealthy (a row exists).
 *   takeProbe       a half-open breaker (open_until passed): the one claim whose
 *                   UPDATE moves open_until on by `probeMs` may send one request;
 *                   every other claim sees it moved and waits.
 *   listOrigins     the origins whose timers must wait now, or may send a probe
 *                   (all of them, or one: a primary-key read).
 *
 * Locks: the origin's row, for one statement (takeProbe: inside the claim).
 */
import type { Knex } from 'knex';
import { DbTime, dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';

export interface OriginBlock {
  origin: string;
  /** Until when its timers wait (database time); null with `probe`: one request may go now. */
  until: Date | null;
  reason: 'backoff' | 'breaker';
  /** The breaker is half-open: one probe may be sent. */
  probe: boolean;
}

export async function backOffOrigin(db: Knex, timeoutMs: number, origin: string, waitMs: number): Promise<void> {
  const d = dialectOf(db);
  const until = d.plus(d.now);
  await write(
    db,
    timeoutMs,
    `INSERT INTO origins (origin, failures, backoff_until, updated_at) VALUES (?, 0, ${until}, ${d.now})
     ${d.onConflictUpdate('origin')} backoff_until = ${d.greatest(`COALESCE(origins.backoff_until, ${d.now})`, d.inserted('backoff_until'))},
       updated_at = ${d.inserted('updated_at')}`,
    [origin, d.duration(waitMs)],
  );
}

export async function failOrigin(
  db: Knex,
  timeoutMs: number,
  origin: string,
  breaker: { threshold: number; openMs: number },
  count = 1,
): Promise<boolean> {
  const d = dialectOf(db);
  return db.transaction(async (trx) => {
    await write(
      trx,
      timeoutMs,
      `INSERT INTO origins (origin, failures, updated_at) VALUES (?, ?, ${d.now})
       ${d.onConflictUpdate('origin')} failures = origins.failures + ${d.inserted('failures')}, updated_at = ${d.inserted('updated_at')}`,
      [origin, count],
    );
    const opened = await write(
      trx,
      timeoutMs,
      `UPDATE origins SET open_until = ${d.plus(d.now)}
       WHERE origin = ? AND failures >= ? AND (open_until IS NULL OR open_until <= ${d.now})`,
      [d.duration(breaker.openMs), origin, breaker.threshold],
    );
    return opened > 0;
  });
}

export async function healOrigin(db: Knex, timeoutMs: number, origin: string): Promise<boolean> {
  const closed = await write(
    db,
    timeoutMs,
    'UPDATE origins SET failures = 0, open_until = NULL WHERE origin = ? AND open_until IS NOT NULL',
    [origin],
  );
  if (closed > 0) return true;
  await write(db, timeoutMs, 'UPDATE origins SET failures = 0 WHERE origin = ? AND failures > 0', [origin]);
  return false;
}

export async function takeProbe(
  trx: Knex.Transaction,
  timeoutMs: number,
  origin: string,
  probeMs: number,
): Promise<boolean> {
  const d = dialectOf(trx);
  const took = await write(
    trx,
    timeoutMs,
    `UPDATE origins SET open_until = ${d.plus(d.now)} WHERE origin = ? AND open_until <= ${d.now}`,
    [d.duration(probeMs), origin],
  );
  return took > 0;
}

interface OriginRow {
  origin: string;
  open_until: DbTime | null;
  backoff_until: DbTime | null;
  open_passed: number | string | null;
}

export async function listOrigins(db: Knex, timeoutMs: number, origin?: string): Promise<OriginBlock[]> {
  const d = dialectOf(db);
  const rows = await select<OriginRow>(
    db,
    timeoutMs,
    `SELECT origin, open_until, backoff_until, CASE WHEN open_until <= ${d.now} THEN 1 ELSE 0 END AS open_passed
     FROM origins WHERE (open_until IS NOT NULL OR backoff_until > ${d.now}) ${origin === undefined ? '' : 'AND origin = ?'}`,
    origin === undefined ? [] : [origin],
  );
  return rows.map((r) => {
    const backoff = r.backoff_until === null ? null : d.date(r.backoff_until);
    if (r.open_until === null) return { origin: r.origin, until: backoff, reason: 'backoff', probe: false };
    const open = d.date(r.open_until);
    const probe = Number(r.open_passed) === 1;
    const until = backoff && backoff > open ? backoff : probe ? backoff : open;
    return { origin: r.origin, until, reason: 'breaker', probe: probe && until === null };
  });
}
