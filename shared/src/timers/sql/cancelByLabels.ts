/**
 * cancelByLabels: pending → canceled for up to `limit` timers that carry every
 * one of `labels`, oldest first, in the caller's tenant, under the same contract
 * as cancelTimer: the UPDATE's `status = 'pending'` condition is what a concurrent
 * claim cannot slip past (it holds the row from its SELECT … FOR UPDATE until it
 * commits 'firing'), so every timer this changes is one no controller holds or
 * will take.
 *
 * Parameters: labels (terms `name:value`, at least one), limit, countCap, tenant
 * (null: every tenant). Steps, none holding locks across another:
 *   1. Read up to `limit` pending matches through the first label's range of
 *      timer_labels (a plain read; a match claimed meanwhile simply fails step 2's
 *      condition).
 *   2. In one transaction, UPDATE those ids WHERE status = 'pending' (raising
 *      each one's version, as any cancel does), read back which of them are
 *      canceled now, and set their label rows' outcome to canceled
 *      (labelOutcome.ts; every match has labels); retried as a whole if InnoDB
 *      picks it as a deadlock victim against a claim (see cancelTimer).
 *   3. Count what is left: the
 *      matches still pending, and those a controller holds ('firing'), each
 *      counted up to `countCap` (a label on millions of timers is not counted
 *      whole per call), and the ids of up to `limit` of the held ones, which the
 *      api may ask their controllers to give back (TimerChanges).
 * Returns the ids canceled, the held matches (ids and count), and the pending ones left.
 *
 * Pending and firing are live statuses: their label rows have outcome NULL, so
 * every read here is the range (tenant, label, outcome IS NULL) of
 * timer_labels_outcome, which never passes over the label's finished timers.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { retryOnDeadlock, select, write } from '../../db/query';
import type { LabelCancelResult } from '../types';
import { labelMatch, labelRange, labelTenants, TenantView } from './findTimers';
import { setLabelOutcome } from './labelOutcome';

export async function cancelByLabels(
  db: Knex,
  timeoutMs: number,
  query: { labels: readonly string[]; limit: number; countCap: number; tenant: TenantView },
): Promise<LabelCancelResult> {
  const d = dialectOf(db);
  const scope = query.tenant ?? (await labelTenants(db, timeoutMs));
  const match = labelMatch(query.labels, scope, 'live');
  const matching = `FROM ${labelRange(d, 'live')} JOIN timers t ON t.id = l.timer_id WHERE ${match.sql} AND t.status = ?`;
  const candidates = await select<{ id: string }>(
    db,
    timeoutMs,
    `SELECT l.timer_id AS id ${matching} ORDER BY l.timer_id LIMIT ?`,
    [...match.bindings, 'pending', query.limit],
  );
  let canceled: string[] = [];
  if (candidates.length > 0) {
    const ids = candidates.map((c) => c.id);
    const list = ids.map(() => '?').join(', ');
    canceled = await retryOnDeadlock(() =>
      db.transaction(async (trx) => {
        const n = await write(
          trx,
          timeoutMs,
          `UPDATE timers
           SET status = 'canceled', due_at = NULL, flow_due_at = NULL, locked_by = NULL, version = version + 1,
               updated_at = ${d.now}
           WHERE id IN (${list}) AND status = 'pending'`,
          ids,
        );
        const now = await select<{ id: string }>(
          trx,
          timeoutMs,
          `SELECT id FROM timers WHERE id IN (${list}) AND status = 'canceled'`,
          ids,
        );
        const done = now.map((r) => r.id);
        if (n > 0) await setLabelOutcome(trx, timeoutMs, done, 'canceled');
        return done;
      }),
    );
  }
  const count = async (status: string) => {
    const [row] = await select<{ n: number | string }>(
      db,
      timeoutMs,
      `SELECT COUNT(*) AS n FROM (SELECT 1 AS one ${matching} LIMIT ?) capped`,
      [...match.bindings, status, query.countCap],
    );
    return Number(row.n);
  };
  const held = await select<{ id: string }>(
    db,
    timeoutMs,
    `SELECT l.timer_id AS id ${matching} ORDER BY l.timer_id LIMIT ?`,
    [...match.bindings, 'firing', query.limit],
  );
  return {
    canceled,
    held: held.map((r) => r.id),
    notCancelable: await count('firing'),
    remaining: await count('pending'),
  };
}
