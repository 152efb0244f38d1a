/**
 * The tenant_creates table (see its migration): each api process reports how
 * many timers it created per tenant in the current second, and reads what the
 * rest of the fleet created for those tenants in the same second.
 *
 * reportCreates: parameters api_id, second, and per tenant the process's count
 * so far this second (absolute, so a lost report is repaired by the next one).
 * One multi-row upsert of this process's own rows: no other process writes
 * them, so it never waits on another's lock.
 *
 * othersCreates: parameters api_id, second, tenants; per tenant, the others' sum
 * and how many processes created. A range of the primary key per tenant; a plain
 * read, no locks.
 *
 * deleteOldCreates: this process's rows before a second. Its own rows only.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';

export async function reportCreates(
  db: Knex,
  timeoutMs: number,
  apiId: string,
  second: number,
  counts: ReadonlyMap<string, number>,
): Promise<void> {
  if (counts.size === 0) return;
  const upsert =
    dialectOf(db).name === 'sqlite'
      ? 'ON CONFLICT (tenant, second, api_id) DO UPDATE SET creates = excluded.creates'
      : 'ON DUPLICATE KEY UPDATE creates = VALUES(creates)';
  await write(
    db,
    timeoutMs,
    `INSERT INTO tenant_creates (tenant, second, api_id, creates)
     VALUES ${[...counts].map(() => '(?, ?, ?, ?)').join(', ')} ${upsert}`,
    [...counts].flatMap(([tenant, n]) => [tenant, second, apiId, n]),
  );
}

export async function othersCreates(
  db: Knex,
  timeoutMs: number,
  apiId: string,
  second: number,
  tenants: readonly string[],
): Promise<Map<string, { creates: number; processes: number }>> {
  if (tenants.length === 0) return new Map();
  const rows = await select<{ tenant: string; n: number | string; p: number | string }>(
    db,
    timeoutMs,
    `SELECT tenant, SUM(creates) AS n, COUNT(*) AS p FROM tenant_creates
     WHERE tenant IN (${tenants.map(() => '?').join(', ')}) AND second = ? AND api_id <> ?
     GROUP BY tenant`,
    [...tenants, second, apiId],
  );
  return new Map(rows.map((r) => [r.tenant, { creates: Number(r.n), processes: Number(r.p) }]));
}

export async function deleteOldCreates(db: Knex, timeoutMs: number, apiId: string, before: number): Promise<void> {
  await write(db, timeoutMs, 'DELETE FROM tenant_creates WHERE api_id = ? AND second < ?', [apiId, before]);
}
