/** The columns every read for the api selects, and how a row becomes a TimerRecord. */
import type { DbTime, Dialect } from '../../db/dialect';
import { flowKeyOf } from '../../flows/flowKey';
import type { AtRest } from '../../crypto/atRest';
import { decodeWebhookSpec } from '../../webhooks/spec';
import { storedContext } from '../../tracing/tracing';
import type { Callbacks, Labels, TimerRecord, TimerStatus, TimerWaiting } from '../types';

/**
 * ms_left: milliseconds from the database's now to fire_at, in whole milliseconds.
 * flow_paused: for a timer parked and due (waiting for its limited flow), whether
 * the flow is paused; NULL for any other timer, which costs no read of `flows`.
 */
export function timerColumns(d: Dialect, table?: string): string {
  const columns = [
    'id',
    'tenant',
    'url',
    'url_sealed',
    'status',
    'fire_at',
    'due_at',
    'created_at',
    'fired_at',
    'attempts',
    'last_error',
    'schedule_id',
    'max_attempts',
    'retry_base_ms',
    'retry_max_ms',
    'max_lateness_s',
    'webhook',
    'version',
    'trace_parent',
    'trace_state',
    'labels',
    'callbacks',
    'flow_key',
  ];
  const of = (column: string) => (table === undefined ? column : `${table}.${column}`);
  const row = table ?? 'timers';
  return `${columns.map(of).join(', ')}, ${d.msBetween(d.now, of('fire_at'))} AS ms_left,
  CASE WHEN ${row}.flow_due_at <= ${d.now}
       THEN (SELECT f.paused FROM flows f WHERE f.id = ${row}.flow_id) END AS flow_paused`;
}

export interface TimerRow {
  id: string;
  tenant: string;
  url: string;
  url_sealed: string | null;
  status: TimerStatus;
  fire_at: DbTime;
  due_at: DbTime | null;
  created_at: DbTime;
  fired_at: DbTime | null;
  attempts: number;
  last_error: string | null;
  max_attempts: number | null;
  retry_base_ms: number | null;
  retry_max_ms: number | null;
  max_lateness_s: number | null;
  schedule_id: string | null;
  version: number | string;
  webhook: string | null;
  labels: string | null;
  callbacks: string | null;
  trace_parent: string | null;
  trace_state: string | null;
  ms_left: number | string;
  flow_key: string | null;
  flow_paused: number | string | null;
}

/** Why a due timer is not being sent: null when it is not waiting. */
function waitingOf(row: TimerRow): TimerWaiting | null {
  if (row.status !== 'pending' || row.flow_paused === null) return null;
  return Number(row.flow_paused) === 1 ? 'paused' : 'flow_limit';
}

/** Opens what is sealed (atRest.ts): throws DataKeyError when a value does not open. */
export function toRecord(d: Dialect, row: TimerRow, atRest: AtRest): TimerRecord {
  return {
    id: row.id,
    url: atRest.openUrl({ url: row.url, urlSealed: row.url_sealed }, row.tenant),
    status: row.status,
    fireAt: d.date(row.fire_at),
    dueAt: row.due_at === null ? null : d.date(row.due_at),
    createdAt: d.date(row.created_at),
    firedAt: row.fired_at === null ? null : d.date(row.fired_at),
    attempts: row.attempts,
    lastError: row.last_error,
    scheduleId: row.schedule_id,
    msLeft: Number(row.ms_left),
    retry: { maxAttempts: row.max_attempts, baseMs: row.retry_base_ms, maxMs: row.retry_max_ms },
    maxLatenessSeconds: row.max_lateness_s,
    version: Number(row.version),
    webhook: decodeWebhookSpec(atRest.openWebhook(row.webhook, row.tenant)),
    labels: readLabels(row.labels),
    callbacks: readCallbacks(atRest.openCallbacks(row.callbacks, row.tenant)),
    trace: storedContext(row.trace_parent, row.trace_state),
    flowKey: flowKeyOf(row.url, row.flow_key),
    waiting: waitingOf(row),
  };
}

/** The labels column: a JSON object of strings, or NULL for none. */
export function readLabels(column: string | null): Labels {
  return column === null ? {} : (JSON.parse(column) as Labels);
}

/** What the labels column stores: NULL for none, so unlabelled timers cost nothing. */
export function writeLabels(labels: Labels | undefined): string | null {
  return labels && Object.keys(labels).length > 0 ? JSON.stringify(labels) : null;
}

/** The callbacks column: `{"on_success", "on_failure"}`, or NULL for none. */
export function readCallbacks(column: string | null): Callbacks {
  if (column === null) return {};
  const stored = JSON.parse(column) as { on_success?: string; on_failure?: string };
  return {
    ...(stored.on_success === undefined ? {} : { onSuccess: stored.on_success }),
    ...(stored.on_failure === undefined ? {} : { onFailure: stored.on_failure }),
  };
}

/** What the callbacks column stores (before sealing): NULL for none, so a timer without callbacks costs nothing. */
export function writeCallbacks(callbacks: Callbacks | undefined): string | null {
  if (!callbacks || (callbacks.onSuccess === undefined && callbacks.onFailure === undefined)) return null;
  return JSON.stringify({ on_success: callbacks.onSuccess, on_failure: callbacks.onFailure });
}
