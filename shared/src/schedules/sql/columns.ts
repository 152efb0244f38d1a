/** The columns every read of a schedule for the api selects, and how a row becomes a ScheduleRecord. */
import type { DbTime, Dialect } from '../../db/dialect';
import { readCallbacks, readLabels } from '../../timers/sql/columns';
import { decodeWebhookSpec } from '../../webhooks/spec';
import type { ScheduleRecord } from '../types';

export const SCHEDULE_COLUMNS = `id, cron, timezone, url, paused, next_run_at, last_occurrence_at, max_lateness_s, webhook,
  labels, callbacks, created_at, updated_at`;

export interface ScheduleRow {
  id: string;
  cron: string;
  timezone: string;
  url: string;
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

export function toScheduleRecord(d: Dialect, row: ScheduleRow): ScheduleRecord {
  const time = (value: DbTime | null) => (value === null ? null : d.date(value));
  return {
    id: row.id,
    cron: row.cron,
    timezone: row.timezone,
    url: row.url,
    paused: Boolean(Number(row.paused)),
    nextRunAt: time(row.next_run_at),
    lastOccurrenceAt: time(row.last_occurrence_at),
    maxLatenessSeconds: row.max_lateness_s,
    webhook: decodeWebhookSpec(row.webhook),
    labels: readLabels(row.labels),
    callbacks: readCallbacks(row.callbacks),
    createdAt: d.date(row.created_at),
    updatedAt: d.date(row.updated_at),
  };
}
