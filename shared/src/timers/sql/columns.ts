/** The columns every read for the api selects, and how a row becomes a TimerRecord. */
import type { DbTime, Dialect } from '../../db/dialect';
import type { AtRest } from '../../crypto/atRest';
import { decodeWebhookSpec } from '../../webhooks/spec';
import { storedContext } from '../../tracing/tracing';
import type { TimerRecord, TimerStatus } from '../types';

/** ms_left: milliseconds from the database's now to fire_at, in whole milliseconds. */
export function timerColumns(d: Dialect): string {
  return `id, tenant, url, url_sealed, status, fire_at, created_at, fired_at, attempts, last_error, schedule_id,
  max_attempts, retry_base_ms, retry_max_ms, max_lateness_s, webhook, trace_parent, trace_state,
  ${d.msBetween(d.now, 'fire_at')} AS ms_left`;
}

export interface TimerRow {
  id: string;
  tenant: string;
  url: string;
  url_sealed: string | null;
  status: TimerStatus;
  fire_at: DbTime;
  created_at: DbTime;
  fired_at: DbTime | null;
  attempts: number;
  last_error: string | null;
  max_attempts: number | null;
  retry_base_ms: number | null;
  retry_max_ms: number | null;
  max_lateness_s: number | null;
  schedule_id: string | null;
  webhook: string | null;
  trace_parent: string | null;
  trace_state: string | null;
  ms_left: number | string;
}

/** Opens what is sealed (atRest.ts): throws DataKeyError when a value does not open. */
export function toRecord(d: Dialect, row: TimerRow, atRest: AtRest): TimerRecord {
  return {
    id: row.id,
    url: atRest.openUrl({ url: row.url, urlSealed: row.url_sealed }, row.tenant),
    status: row.status,
    fireAt: d.date(row.fire_at),
    createdAt: d.date(row.created_at),
    firedAt: row.fired_at === null ? null : d.date(row.fired_at),
    attempts: row.attempts,
    lastError: row.last_error,
    scheduleId: row.schedule_id,
    msLeft: Number(row.ms_left),
    retry: { maxAttempts: row.max_attempts, baseMs: row.retry_base_ms, maxMs: row.retry_max_ms },
    maxLatenessSeconds: row.max_lateness_s,
    webhook: decodeWebhookSpec(atRest.openWebhook(row.webhook, row.tenant)),
    trace: storedContext(row.trace_parent, row.trace_state),
  };
}
