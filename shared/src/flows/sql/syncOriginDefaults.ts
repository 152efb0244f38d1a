/**
 * syncOriginDefaults: makes the origin defaults in `flows` (tenant
 * ORIGIN_DEFAULTS_TENANT, one row per origin) what FLOW_DEFAULTS says, at a
 * controller's start. A default whose limits are unchanged is left alone (its
 * rate's state and pause stay); a changed or new one is written as PUT writes a
 * flow (upsertFlow.ts); one no longer in the setting is deleted as DELETE
 * /flows/{key} deletes a flow (deleteFlow.ts), its waiting timers let go.
 *
 * Parameters: the defaults. Returns what changed. Locks: the rows it writes, each
 * in its own statement or transaction; controllers starting together write the
 * same rows with the same values. With FLOW_DEFAULTS unset and no default row,
 * it is one read of an empty range of flows_tenant_key.
 */
import type { Knex } from 'knex';
import { select } from '../../db/query';
import type { OriginDefault } from '../flowDefaults';
import { FlowLimits, ORIGIN_DEFAULTS_TENANT } from '../types';
import { deleteFlow } from './deleteFlow';
import { upsertFlow } from './upsertFlow';

export interface DefaultsSync {
  written: string[];
  removed: string[];
}

export async function syncOriginDefaults(
  db: Knex,
  timeoutMs: number,
  defaults: readonly OriginDefault[],
): Promise<DefaultsSync> {
  const rows = await select<FlowLimits & { flow_key: string }>(
    db,
    timeoutMs,
    'SELECT flow_key, parallelism, rate, burst FROM flows WHERE tenant = ?',
    [ORIGIN_DEFAULTS_TENANT],
  );
  const stored = new Map(rows.map((r) => [r.flow_key, r]));
  const written: string[] = [];
  for (const { origin, limits } of defaults) {
    const row = stored.get(origin);
    if (row && sameLimits(row, limits)) continue;
    await upsertFlow(db, timeoutMs, ORIGIN_DEFAULTS_TENANT, origin, limits);
    written.push(origin);
  }
  const removed: string[] = [];
  for (const key of stored.keys()) {
    if (defaults.some((d) => d.origin === key)) continue;
    if (await deleteFlow(db, timeoutMs, ORIGIN_DEFAULTS_TENANT, key)) removed.push(key);
  }
  return { written, removed };
}

function sameLimits(row: FlowLimits, limits: FlowLimits): boolean {
  const same = (a: number | null, b: number | null) => (a === null ? b === null : b !== null && Number(a) === b);
  return same(row.parallelism, limits.parallelism) && same(row.rate, limits.rate) && same(row.burst, limits.burst);
}
