/**
 * The sealed columns of timers and schedules (url/url_sealed, webhook, callbacks;
 * atRest.ts), as the re-encryption command reads and rewrites them.
 *
 * findStale(table, afterId, currentPrefix, limit)
 *   The next `limit` rows after `afterId`, in primary-key order, that hold a value
 *   not sealed with the current key: a plain URL (url_sealed NULL), or a sealed
 *   value whose prefix is not `currentPrefix` (`$tk1$<first key id>$`). A range
 *   scan of the primary key, no lock: the rows are read as they are now, and the
 *   rewrite below is fenced on what was read.
 *
 * rewriteSealed(trx, table, before, after)
 *   Writes the four columns of one row, only where all four still hold what was
 *   read (`before`): a PATCH or a new schedule URL written since wins, and the row
 *   is counted as changed meanwhile (false). No other column is written, so a
 *   controller's outcome (status, attempts, lease) is never overwritten whatever
 *   the order. Locks the one row, until the batch's transaction commits.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';

export type SealedTable = 'timers' | 'schedules';

export interface SealedColumns {
  url: string;
  url_sealed: string | null;
  webhook: string | null;
  callbacks: string | null;
}

export interface SealedRow extends SealedColumns {
  id: string;
  tenant: string;
}

/** `_` is LIKE's any-character and may be in a key id; `!` is never in one. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

export function findStale(
  db: Knex,
  timeoutMs: number,
  table: SealedTable,
  afterId: string,
  currentPrefix: string,
  limit: number,
): Promise<SealedRow[]> {
  const current = likePrefix(currentPrefix);
  return select<SealedRow>(
    db,
    timeoutMs,
    `SELECT id, tenant, url, url_sealed, webhook, callbacks FROM ${table}
      WHERE id > ?
        AND (url_sealed IS NULL OR url_sealed NOT LIKE ? ESCAPE '!'
             OR webhook NOT LIKE ? ESCAPE '!' OR callbacks NOT LIKE ? ESCAPE '!')
      ORDER BY id
      LIMIT ?`,
    [afterId, current, current, current, limit],
  );
}

export async function rewriteSealed(
  trx: Knex.Transaction,
  timeoutMs: number,
  table: SealedTable,
  before: SealedRow,
  after: SealedColumns,
): Promise<boolean> {
  const d = dialectOf(trx);
  const changed = await write(
    trx,
    timeoutMs,
    `UPDATE ${table} SET url = ?, url_sealed = ?, webhook = ?, callbacks = ?
      WHERE id = ? AND url = ? AND ${d.nullSafeEquals('url_sealed')}
        AND ${d.nullSafeEquals('webhook')} AND ${d.nullSafeEquals('callbacks')}`,
    [
      after.url,
      after.url_sealed,
      after.webhook,
      after.callbacks,
      before.id,
      before.url,
      before.url_sealed,
      before.webhook,
      before.callbacks,
    ],
  );
  return changed === 1;
}
