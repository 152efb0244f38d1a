/** The columns every read of a schedule for the api selects, and how a row becomes a ScheduleRecord. */
import type { DbTime, Dialect } from '../../db/dialect';
import type { AtRest } from '../../crypto/atRest';
import { readCallbacks, readLabels } from '../../timers/sql/columns';
import { decodeWebhookSpec } from '../../webhooks/spec';
import type { ScheduleRecord } from '../types';

export const SCHEDULE_COLUMNS = `id, tenant, cron, timezone, url, url_sealed, paused, next_run_at, last_occurrence_at, max_lateness_s,
  webhook, labels, callbacks, created_at, updated_at`;

export interface ScheduleRow {
  id: string;
  tenant: string;
  cron: string;
  timezone: string;
  url: string;
  url_sealed: string | null;
  paused: number | boolean;
  next_run_at: DbTime | null;
  last_occurrence_at: DbTime | null;
  max_lateness_s: number | null;
  webhook: string | null;
  labels: string | null;
  callbacks: string | null;
  created_at: DbTime;
  updated_at: DbTime;
}

/** Opens what is sealed (atRest.ts): throws DataKeyError when a value does not open. */
export function toScheduleRecord(d: Dialect, row: ScheduleRow, atRest: AtRest): ScheduleRecord {
  const time = (value: DbTime | null) => (value === null ? null : d.date(value));
  return {
    id: row.id,
    cron: row.cron,
    timezone: row.timezone,
    url: atRest.openUrl({ url: row.url, urlSealed: row.url_sealed }, row.tenant),
    paused: Boolean(Number(row.paused)),
    nextRunAt: time(row.next_run_at),
    lastOccurrenceAt: time(row.last_occurrence_at),
    maxLatenessSeconds: row.max_lateness_s,
    webhook: decodeWebhookSpec(atRest.openWebhook(row.webhook, row.tenant)),
    labels: readLabels(row.labels),
    callbacks: readCallbacks(atRest.openCallbacks(row.callbacks, row.tenant)),
    createdAt: d.date(row.created_at),
    updatedAt: d.date(row.updated_at),
  };
}
