/**
 * insertTimers: stores new pending timers, many in one INSERT (the api coalesces
 * concurrent creates; see Coalescer). The statement commits on its own before any
 * of its callers answers 201: an acknowledged timer is always durable.
 *
 * Parameters: per timer, id (UUIDv7, time-ordered so inserts append to the
 * primary key), url, createdAt, fireAt, dueAt (when to look at it first: fireAt,
 * or the creation time for a fire_at already past, so a late timer does not jump
 * the queue of those already due), owner (who created it, for the pending-timer
 * cap; NULL when unknown), tenant (whose it is; `default` when absent), its
 * delivery policy (NULLs: the service's defaults) and what it sends (webhook:
 * NULL for the plain webhook). The caller computes the times on the database clock (DbClock), so no
 * read-back is needed. trace_parent and trace_state: the W3C context of the span
 * that created the timer (NULL with tracing off). The URL and what it sends are sealed with
 * the data keys (atRest.ts): url keeps the origin, url_sealed the whole URL. Locks: only the new rows (on SQLite, none beyond the file's
 * lock that the process holds anyway).
 * The same statement on both dialects: knex binds a Date as DATETIME for mysql2
 * and as epoch milliseconds (the column's representation) for better-sqlite3.
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { write } from '../../db/query';
import { DEFAULT_TENANT } from '../../tenants/types';
import { encodeWebhookSpec, WebhookSpec } from '../../webhooks/spec';
import type { TraceContext } from '../../tracing/tracing';
import type { RetryPolicy } from '../types';

export interface NewTimer {
  id: string;
  url: string;
  createdAt: Date;
  fireAt: Date;
  /** Defaults to fireAt. */
  dueAt?: Date;
  owner?: string | null;
  /** The tenant it belongs to; DEFAULT_TENANT when absent. */
  tenant?: string;
  retry?: RetryPolicy;
  /** on_late "skip" with this many seconds; null or absent: fire however late. */
  maxLatenessSeconds?: number | null;
  /** Absent: the plain webhook. */
  webhook?: WebhookSpec;
  /** The span that created it: its deliveries continue this trace. null or absent: tracing was off. */
  trace?: TraceContext | null;
}

export async function insertTimers(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  atRest: AtRest,
  timers: readonly NewTimer[],
): Promise<void> {
  if (timers.length === 0) return;
  await write(
    db,
    timeoutMs,
    `INSERT INTO timers (id, url, url_sealed, status, fire_at, due_at, created_at, updated_at, owner, tenant,
                         max_attempts, retry_base_ms, retry_max_ms, max_lateness_s, webhook, trace_parent, trace_state)
     VALUES ${timers.map(() => "(?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(', ')}`,
    timers.flatMap((t) => {
      const tenant = t.tenant ?? DEFAULT_TENANT;
      const url = atRest.sealUrl(t.url, tenant);
      return [
        t.id,
        url.url,
        url.urlSealed,
        t.fireAt,
        t.dueAt ?? t.fireAt,
        t.createdAt,
        t.createdAt,
        t.owner ?? null,
        tenant,
        t.retry?.maxAttempts ?? null,
        t.retry?.baseMs ?? null,
        t.retry?.maxMs ?? null,
        t.maxLatenessSeconds ?? null,
        atRest.sealWebhook(t.webhook ? encodeWebhookSpec(t.webhook) : null, tenant),
        t.trace?.traceparent ?? null,
        t.trace?.tracestate ?? null,
      ];
    }),
  );
}
