/**
 * updateSchedule: PATCH /schedules/{id}. Sets the rule (cron, time zone), url,
 * missed-fire rule and what occurrences send (webhook) the api computed, and the next occurrence it recomputed from
 * them (NULL while paused: resume computes it). Occurrences already created as
 * timers keep what they had.
 *
 * Parameters: id, the full new definition, and the schedule as the api read it
 * (paused, next_run_at, last_occurrence_at), which fences the write: a controller
 * that advanced the schedule in between (createOccurrences moves next_run_at) or
 * a pause or resume makes this match nothing, and the api reads it again and
 * recomputes. Locks: the schedule's row for the UPDATE; a controller holding it
 * while it creates occurrences makes this wait, and its own fence (next_run_at,
 * cron, time zone, read under its lock) keeps a plan made on the old rule from
 * being written after this one. The url and webhook are sealed with the data keys
 * as on create (atRest.ts), for the schedule's tenant (read first: it never changes).
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';
import { encodeWebhookSpec } from '../../webhooks/spec';
import type { ScheduleRecord, ScheduleUpdate } from '../types';

export async function updateSchedule(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  update: ScheduleUpdate,
  read: Pick<ScheduleRecord, 'paused' | 'nextRunAt' | 'lastOccurrenceAt'>,
): Promise<boolean> {
  const d = dialectOf(db);
  let tenant = '';
  if (atRest.keys.enabled) {
    const [row] = await select<{ tenant: string }>(db, timeoutMs, 'SELECT tenant FROM schedules WHERE id = ?', [id]);
    if (!row) return false;
    tenant = row.tenant;
  }
  const url = atRest.sealUrl(update.url, tenant);
  // NULL-safe equality: next_run_at and last_occurrence_at may be NULL.
  const same = (column: string) => (d.name === 'sqlite' ? `${column} IS ?` : `${column} <=> ?`);
  const changed = await write(
    db,
    timeoutMs,
    `UPDATE schedules
     SET cron = ?, timezone = ?, url = ?, url_sealed = ?, max_lateness_s = ?, webhook = ?, next_run_at = ?,
         updated_at = ${d.now}
     WHERE id = ? AND paused = ? AND ${same('next_run_at')} AND ${same('last_occurrence_at')}`,
    [
      update.cron,
      update.timezone,
      url.url,
      url.urlSealed,
      update.maxLatenessSeconds,
      atRest.sealWebhook(encodeWebhookSpec(update.webhook), tenant),
      update.nextRunAt,
      id,
      read.paused ? 1 : 0,
      read.nextRunAt,
      read.lastOccurrenceAt,
    ],
  );
  return changed === 1;
}
