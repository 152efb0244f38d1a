/**
 * findTimer / findTimers / listTimers: the api's reads. No locks (plain
 * consistent reads).
 *
 * Each takes the tenant the caller may see (null: every tenant, for an admin key)
 * into the one query: another tenant's timer is not found, exactly as an unknown
 * id is, without being read first and checked after.
 *
 * listTimers pages newest first by id. Ids are UUIDv7, so id order is creation
 * order, and the cursor is simply the last id of the previous page: the range
 * scan on the primary key (or on timers_status_id with a status filter) stays
 * cheap however deep the page is. For a tenant, the ranges are of
 * timers_tenant_id (tenant, id) and timers_tenant_status_id (tenant, status, id).
 *
 * With labels, the first label's range of timer_labels drives the query, read
 * backwards from the cursor: each further label is one primary-key probe of
 * timer_labels, and the scan stops at `limit` matches. Without a status, the
 * range is of the primary key (tenant, label, timer_id). With one, it is of
 * timer_labels_outcome (tenant, label, outcome, timer_id): outcome is the
 * timer's final status, NULL while it is live (labelOutcome.ts), so a final
 * status (fired, failed, canceled, skipped) reads only the label's timers with
 * that status, and a live one (pending, firing) only its live timers, checking
 * the status on the timer's row (one lookup each, which the page needs anyway).
 * A page costs the rows it passes over to find `limit` matches, never the whole
 * label, however rare the status is among the label's timers (the plan: `ref`
 * or, with a cursor, `range` of timer_labels_outcome, `eq_ref` of timers, no
 * filesort). Without a tenant (an admin key), the label is looked up in every
 * tenant's range: with a status, of the tenants labelTenants lists (a loose scan
 * of the indexes' first column), bound as `tenant IN (…)`; without one, `tenant
 * IN (SELECT DISTINCT tenant FROM timer_labels)`. The matches of all ranges are
 * then sorted, so such a page costs the label's matches in all tenants (with a
 * status, only those with its outcome).
 */
import type { Knex } from 'knex';
import { Dialect, dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { AtRest } from '../../crypto/atRest';
import { FINISHED_STATUSES, TimerRecord, TimerStatus } from '../types';
import { timerColumns, TimerRow, toRecord } from './columns';

/** Who may see what: a tenant's name, or null for every tenant. */
export type TenantView = string | null;

export async function findTimer(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  tenant: TenantView = null,
): Promise<TimerRecord | null> {
  const d = dialectOf(db);
  const [row] = await select<TimerRow>(
    db,
    timeoutMs,
    `SELECT ${timerColumns(d)} FROM timers WHERE id = ?${tenant === null ? '' : ' AND tenant = ?'}`,
    tenant === null ? [id] : [id, tenant],
  );
  return row ? toRecord(d, row, atRest) : null;
}

/** The timers with these ids that `tenant` may see, in the order given (others left out). */
export async function findTimers(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  ids: readonly string[],
  tenant: TenantView = null,
): Promise<TimerRecord[]> {
  const d = dialectOf(db);
  const byId = new Map<string, TimerRecord>();
  for (let from = 0; from < ids.length; from += 500) {
    const part = ids.slice(from, from + 500);
    const rows = await select<TimerRow>(
      db,
      timeoutMs,
      `SELECT ${timerColumns(d)} FROM timers
       WHERE id IN (${part.map(() => '?').join(', ')})${tenant === null ? '' : ' AND tenant = ?'}`,
      tenant === null ? part : [...part, tenant],
    );
    for (const row of rows) byId.set(row.id, toRecord(d, row, atRest));
  }
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export interface ListQuery {
  status?: TimerStatus;
  /** Terms (`name:value`) a timer must all carry. */
  labels?: readonly string[];
  limit: number;
  /** Only ids starting with this (lowercase hex and hyphens). */
  idPrefix?: string;
  /** true: only timers with attempts > 0; false: only those with none. */
  retrying?: boolean;
  /** Only the occurrences of this schedule. */
  scheduleId?: string;
  /** Only timers of this flow key (a timer's own flow_key, or its URL's origin, as recorded). */
  flowKey?: string;
  /** Return only timers older than this id. */
  beforeId?: string;
  /** Only this tenant's timers; absent or null: every tenant's. */
  tenant?: TenantView;
}

export async function listTimers(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  query: ListQuery,
): Promise<TimerRecord[]> {
  const d = dialectOf(db);
  const tenant = query.tenant ?? null;
  const where: string[] = [];
  const bindings: unknown[] = [];
  const labelled = (query.labels ?? []).length > 0;
  const outcome = labelled && query.status ? outcomeOf(query.status) : undefined;
  if (labelled) {
    // An admin key with a status: each tenant's range of timer_labels_outcome.
    const scope = outcome !== undefined && tenant === null ? await labelTenants(db, timeoutMs) : tenant;
    const match = labelMatch(query.labels!, scope, outcome);
    where.push(match.sql);
    bindings.push(...match.bindings);
  } else if (tenant !== null) {
    where.push('t.tenant = ?');
    bindings.push(tenant);
  }
  if (query.status) {
    where.push('t.status = ?');
    bindings.push(query.status);
  }
  if (query.idPrefix) {
    where.push('t.id LIKE ?');
    bindings.push(`${query.idPrefix}%`);
  }
  if (query.retrying !== undefined) where.push(query.retrying ? 't.attempts > 0' : 't.attempts = 0');
  if (query.scheduleId) {
    where.push('t.schedule_id = ?');
    bindings.push(query.scheduleId);
  }
  if (query.flowKey) {
    where.push('t.flow_key = ?');
    bindings.push(query.flowKey);
  }
  // With labels, the order and the cursor are on the label index's own column.
  const order = labelled ? 'l.timer_id' : 't.id';
  if (query.beforeId) {
    where.push(`${order} < ?`);
    bindings.push(query.beforeId);
  }
  const from = labelled ? `${labelRange(d, outcome)} JOIN timers t ON t.id = l.timer_id` : 'timers t';
  const rows = await select<TimerRow>(
    db,
    timeoutMs,
    `SELECT ${timerColumns(d, 't')} FROM ${from}
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${order} DESC LIMIT ?`,
    [...bindings, query.limit],
  );
  return rows.map((row) => toRecord(d, row, atRest));
}

/** What timer_labels.outcome holds for a timer in `status`: the status if final, else `live` (NULL). */
export function outcomeOf(status: TimerStatus): LabelOutcomeFilter {
  return (FINISHED_STATUSES as readonly TimerStatus[]).includes(status) ? status : 'live';
}

/** A filter on timer_labels.outcome: a final status, or `live` (NULL: pending or firing). */
export type LabelOutcomeFilter = TimerStatus | 'live';

/**
 * `timer_labels l` for a label filter: with an outcome, on MySQL, read through
 * timer_labels_outcome, named, since MariaDB's estimates otherwise prefer the
 * primary key for `outcome IS NULL` (reading every timer of the label, finished
 * or not) or, for an admin key, the timer_id index in order (reading every
 * labelled timer until `limit` match). SQLite's planner picks it by itself.
 */
export function labelRange(d: Dialect, outcome: LabelOutcomeFilter | undefined): string {
  if (outcome === undefined || d.name === 'sqlite') return 'timer_labels l';
  return 'timer_labels l FORCE INDEX (timer_labels_outcome)';
}

/**
 * The tenants that have labels: a loose scan of the first column of timer_labels'
 * indexes, one index probe per tenant (MySQL does that for DISTINCT; SQLite is
 * walked there with a recursive query, as it would otherwise read the whole index).
 */
export async function labelTenants(db: Knex, timeoutMs: number): Promise<string[]> {
  const sql =
    dialectOf(db).name === 'sqlite'
      ? `WITH RECURSIVE k(tenant) AS (
           SELECT MIN(tenant) FROM timer_labels
           UNION ALL SELECT (SELECT MIN(tenant) FROM timer_labels WHERE tenant > k.tenant) FROM k WHERE k.tenant IS NOT NULL
         ) SELECT tenant FROM k WHERE tenant IS NOT NULL`
      : 'SELECT DISTINCT tenant FROM timer_labels';
  const rows = await select<{ tenant: string }>(db, timeoutMs, sql);
  return rows.map((r) => r.tenant);
}

/**
 * The WHERE part for timers carrying every label (`l` is the first label's row
 * of timer_labels): the first label's range, within the tenant (or each of the
 * tenants listed; null: every tenant), and within the outcome when given
 * (timer_labels_outcome), and a probe of the primary key for each further label.
 */
export function labelMatch(
  labels: readonly string[],
  tenant: TenantView | readonly string[],
  outcome?: LabelOutcomeFilter,
): { sql: string; bindings: unknown[] } {
  const [first, ...others] = labels;
  const tenants = typeof tenant === 'string' ? [tenant] : tenant;
  const inTenant =
    tenants === null
      ? 'l.tenant IN (SELECT DISTINCT tenant FROM timer_labels)'
      : tenants.length === 0
        ? '1 = 0'
        : `l.tenant IN (${tenants.map(() => '?').join(', ')})`;
  const inOutcome = outcome === undefined ? [] : [outcome === 'live' ? 'l.outcome IS NULL' : 'l.outcome = ?'];
  const more = others.map(
    () => 'EXISTS (SELECT 1 FROM timer_labels m WHERE m.tenant = l.tenant AND m.label = ? AND m.timer_id = l.timer_id)',
  );
  return {
    sql: [inTenant, 'l.label = ?', ...inOutcome, ...more].join(' AND '),
    bindings: [...(tenants ?? []), first, ...(outcome === undefined || outcome === 'live' ? [] : [outcome]), ...others],
  };
}
