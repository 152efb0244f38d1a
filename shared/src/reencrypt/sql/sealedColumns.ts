/**
 * The sealed columns of timers and schedules (url/url_sealed, webhook, callbacks;
 * atRest.ts), as the re-encryption command reads and rewrites them.
 *
 * windowEnd(table, afterId, size)
 *   The id that ends the next window of `size` rows after `afterId`, in primary-key
 *   order; null when fewer rows are left (the last window is open-ended). Bounds
 *   each read below to `size` rows, so that a pass over a large table whose rows
 *   are nearly all current is many short statements, never one long scan that
 *   DB_QUERY_TIMEOUT_MS would kill.
 *
 * findStale(table, afterId, upTo, currentPrefix)
 *   The rows of the window (afterId, upTo] that hold a value not sealed with the
 *   current key: a plain URL (url_sealed NULL), or a sealed value whose prefix is
 *   not `currentPrefix` (`$tk1$<first key id>$`). No lock: the rows are read as
 *   they are now, and the rewrite below is fenced on what was read.
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

export async function windowEnd(
  db: Knex,
  timeoutMs: number,
  table: SealedTable,
  afterId: string,
  size: number,
): Promise<string | null> {
  const [row] = await select<{ id: string }>(
    db,
    timeoutMs,
    `SELECT id FROM ${table} WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?`,
    [afterId, size - 1],
  );
  return row?.id ?? null;
}

export function findStale(
  db: Knex,
  timeoutMs: number,
  table: SealedTable,
  afterId: string,
  upTo: string | null,
  currentPrefix: string,
): Promise<SealedRow[]> {
  const current = likePrefix(currentPrefix);
  return select<SealedRow>(
    db,
    timeoutMs,
    `SELECT id, tenant, url, url_sealed, webhook, callbacks FROM ${table}
      WHERE id > ? ${upTo === null ? '' : 'AND id <= ?'}
        AND (url_sealed IS NULL OR url_sealed NOT LIKE ? ESCAPE '!'
             OR webhook NOT LIKE ? ESCAPE '!' OR callbacks NOT LIKE ? ESCAPE '!')
      ORDER BY id`,
    [afterId, ...(upTo === null ? [] : [upTo]), current, current, current],
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
