/**
 * insertSchedule: stores a new schedule with its first occurrence in next_run_at,
 * which the api computed from the rule on the database clock. The controllers
 * pick it up once that occurrence is within their lookahead.
 *
 * Parameters: the new schedule (id UUIDv7, cron, timezone, url, owner, tenant, nextRunAt,
 * maxLatenessSeconds: its missed-fire rule, NULL to fire however late,
 * webhook: what each occurrence sends, NULL for plain ones, labels: copied onto its occurrences,
 * createdAt, trace: the creating span's W3C context, NULL with tracing off). Locks: only the new row.
 * Dates bind as DATETIME on MySQL and as
 * epoch milliseconds on SQLite (knex and the drivers do that), as for timers. The URL, what it
 * sends and its callbacks are sealed with the data keys as for timers (atRest.ts).
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { write } from '../../db/query';
import { DEFAULT_TENANT } from '../../tenants/types';
import { writeCallbacks, writeLabels } from '../../timers/sql/columns';
import { encodeWebhookSpec } from '../../webhooks/spec';
import type { NewSchedule } from '../types';

export async function insertSchedule(db: Knex, timeoutMs: number, atRest: AtRest, s: NewSchedule): Promise<void> {
  const tenant = s.tenant ?? DEFAULT_TENANT;
  const url = atRest.sealUrl(s.url, tenant);
  await write(
    db,
    timeoutMs,
    `INSERT INTO schedules (id, owner, tenant, cron, timezone, url, url_sealed, paused, next_run_at, max_lateness_s,
                            webhook, labels, callbacks, created_at, updated_at, trace_parent, trace_state)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      s.id,
      s.owner,
      tenant,
      s.cron,
      s.timezone,
      url.url,
      url.urlSealed,
      s.nextRunAt,
      s.maxLatenessSeconds ?? null,
      atRest.sealWebhook(s.webhook ? encodeWebhookSpec(s.webhook) : null, tenant),
      writeLabels(s.labels),
      atRest.sealCallbacks(writeCallbacks(s.callbacks), tenant),
      s.createdAt,
      s.createdAt,
      s.trace?.traceparent ?? null,
      s.trace?.tracestate ?? null,
    ],
  );
}
