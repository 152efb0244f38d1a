/**
 * findDueSchedules: the schedules whose next occurrence falls within the
 * lookahead, soonest first, with the database's now, for a controller to plan
 * their occurrences (which to create, and where each schedule goes on) before it
 * writes them with createOccurrences.
 *
 * Parameters: limit, lookaheadMs. Locks: none (a plain consistent read of one
 * range of schedules_next_run_at). Nothing read here is trusted at write time:
 * createOccurrences locks each schedule and writes only if its next_run_at is
 * still the one read, so a schedule paused, resumed or advanced by another
 * controller in between is left alone.
 */
import type { Knex } from 'knex';
import { DbTime, dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import { readLabels } from '../../timers/sql/columns';
import { storedContext } from '../../tracing/tracing';
import type { DueSchedule } from '../types';

interface DueRow {
  id: string;
  cron: string;
  timezone: string;
  url: string;
  url_sealed: string | null;
  owner: string | null;
  tenant: string;
  next_run_at: DbTime;
  max_lateness_s: number | null;
  webhook: string | null;
  labels: string | null;
  callbacks: string | null;
  trace_parent: string | null;
  trace_state: string | null;
  now_ms: number | string;
}

export interface DueSchedules {
  schedules: DueSchedule[];
  /** The database's now when they were read (ms since the epoch). */
  nowMs: number;
}

export async function findDueSchedules(
  db: Knex,
  timeoutMs: number,
  options: { limit: number; lookaheadMs: number },
): Promise<DueSchedules> {
  const d = dialectOf(db);
  const rows = await select<DueRow>(
    db,
    timeoutMs,
    `SELECT id, cron, timezone, url, url_sealed, owner, tenant, next_run_at, max_lateness_s, webhook, labels, callbacks,
            trace_parent, trace_state,
            ${d.nowEpochMs} AS now_ms
     FROM schedules
     WHERE next_run_at <= ${d.plus(d.now)}
     ORDER BY next_run_at
     LIMIT ?`,
    [d.duration(options.lookaheadMs), options.limit],
  );
  return {
    nowMs: rows.length > 0 ? Number(rows[0].now_ms) : 0,
    schedules: rows.map((row) => ({
      id: row.id,
      cron: row.cron,
      timezone: row.timezone,
      url: row.url,
      urlSealed: row.url_sealed,
      owner: row.owner,
      tenant: row.tenant,
      nextRunAt: d.date(row.next_run_at),
      maxLatenessSeconds: row.max_lateness_s,
      webhookText: row.webhook,
      callbacksText: row.callbacks,
      labels: readLabels(row.labels),
      trace: storedContext(row.trace_parent, row.trace_state),
    })),
  };
}
