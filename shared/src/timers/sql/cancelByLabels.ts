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
 *   2. UPDATE those ids WHERE status = 'pending' (raising each one's version, as
 *      any cancel does), retried as a whole if InnoDB
 *      picks it as a deadlock victim against a claim (see cancelTimer).
 *   3. Read back which of them are canceled now, and count what is left: the
 *      matches still pending, and those started ('firing'), each counted up to
 *      `countCap` (a label on millions of timers is not counted whole per call).
 * Returns the ids canceled, the started matches, and the pending ones left.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { retryOnDeadlock, select, write } from '../../db/query';
import type { LabelCancelResult } from '../types';
import { labelMatch, TenantView } from './findTimers';

export async function cancelByLabels(
  db: Knex,
  timeoutMs: number,
  query: { labels: readonly string[]; limit: number; countCap: number; tenant: TenantView },
): Promise<LabelCancelResult> {
  const d = dialectOf(db);
  const match = labelMatch(query.labels, query.tenant);
  const matching = `FROM timer_labels l JOIN timers t ON t.id = l.timer_id WHERE ${match.sql} AND t.status = ?`;
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
    await retryOnDeadlock(() =>
      write(
        db,
        timeoutMs,
        `UPDATE timers
         SET status = 'canceled', due_at = NULL, locked_by = NULL, version = version + 1, updated_at = ${d.now}
         WHERE id IN (${list}) AND status = 'pending'`,
        ids,
      ),
    );
    const now = await select<{ id: string }>(
      db,
      timeoutMs,
      `SELECT id FROM timers WHERE id IN (${list}) AND status = 'canceled'`,
      ids,
    );
    canceled = now.map((r) => r.id);
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
  return { canceled, notCancelable: await count('firing'), remaining: await count('pending') };
}
