/**
 * insertTimers: stores new pending timers, many in one INSERT (the api coalesces
 * concurrent creates; see Coalescer), with their labels. The write commits before
 * any of its callers answers 201: an acknowledged timer is always durable.
 *
 * Parameters: per timer, id (UUIDv7, time-ordered so inserts append to the
 * primary key), url, createdAt, fireAt, dueAt (when to look at it first: fireAt,
 * or the creation time for a fire_at already past, so a late timer does not jump
 * the queue of those already due), owner (who created it, for the pending-timer
 * cap; NULL when unknown), tenant (whose it is; `default` when absent), its
 * delivery policy (NULLs: the service's defaults), what it sends (webhook: NULL
 * for the plain webhook), its labels and callbacks, and its flow key (NULL: its
 * URL's origin). The caller computes the times on the database clock (DbClock),
 * so no read-back is needed. trace_parent and trace_state: the W3C context of the
 * span that created the timer (NULL with tracing off). The URL, what it sends and
 * its callbacks are sealed with the data keys (atRest.ts): url keeps the origin,
 * url_sealed the whole URL; labels stay readable (they are searched). Locks: only
 * the new rows (on SQLite, none beyond the file's
 * lock that the process holds anyway).
 *
 * Timers without labels are one statement that commits on its own. Labelled ones
 * also write a timer_labels row per label, so the statements run in one
 * transaction (the caller's, when it passes one): a timer is never seen without
 * its labels. Large sets go in slices, below every driver's limit on bound values.
 * The same statements on both dialects: knex binds a Date as DATETIME for mysql2
 * and as epoch milliseconds (the column's representation) for better-sqlite3.
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { write } from '../../db/query';
import { DEFAULT_TENANT } from '../../tenants/types';
import { encodeWebhookSpec, WebhookSpec } from '../../webhooks/spec';
import type { TraceContext } from '../../tracing/tracing';
import { Callbacks, Labels, labelTerm, RetryPolicy } from '../types';
import { writeCallbacks, writeLabels } from './columns';

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
  labels?: Labels;
  /** Absent: no completion notices. */
  callbacks?: Callbacks;
  /** The span that created it: its deliveries continue this trace. null or absent: tracing was off. */
  trace?: TraceContext | null;
  /** The flow it belongs to (flows/flowKey.ts); null: its URL's origin, worked out when needed. */
  flowKey?: string | null;
}

/** Rows per INSERT: 18 bound values each, far below every driver's limit (SQLite: 32,766). */
const INSERT_SLICE = 500;

export async function insertTimers(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  atRest: AtRest,
  timers: readonly NewTimer[],
): Promise<void> {
  if (timers.length === 0) return;
  const labelled = labelRows(timers);
  const slices = Math.ceil(timers.length / INSERT_SLICE);
  if ((labelled.length > 0 || slices > 1) && !(db as Knex.Transaction).isTransaction) {
    return db.transaction((trx) => insertTimers(trx, timeoutMs, atRest, timers));
  }
  for (let from = 0; from < timers.length; from += INSERT_SLICE) {
    await insertSlice(db, timeoutMs, atRest, timers.slice(from, from + INSERT_SLICE));
  }
  await insertLabelRows(db, timeoutMs, labelled);
}

async function insertSlice(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  atRest: AtRest,
  timers: readonly NewTimer[],
) {
  await write(
    db,
    timeoutMs,
    `INSERT INTO timers (id, url, url_sealed, status, fire_at, due_at, created_at, updated_at, owner, tenant,
                         max_attempts, retry_base_ms, retry_max_ms, max_lateness_s, webhook, labels, callbacks,
                         trace_parent, trace_state, flow_key)
     VALUES ${timers.map(() => "(?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(', ')}`,
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
        writeLabels(t.labels),
        atRest.sealCallbacks(writeCallbacks(t.callbacks), tenant),
        t.trace?.traceparent ?? null,
        t.trace?.tracestate ?? null,
        t.flowKey ?? null,
      ];
    }),
  );
}

/**
 * A timer_labels row: tenant, label term, timer id, outcome (the timer's status
 * if it is created final, as a skipped occurrence is; null while live).
 */
export type LabelRow = [string, string, string, 'skipped' | null];

/** One timer_labels row per label of each timer. */
export function labelRows(
  timers: readonly { id: string; tenant?: string; labels?: Labels; outcome?: 'skipped' | null }[],
): LabelRow[] {
  return timers.flatMap((t) =>
    Object.entries(t.labels ?? {}).map(([k, v]): LabelRow => [
      t.tenant ?? DEFAULT_TENANT,
      labelTerm(k, v),
      t.id,
      t.outcome ?? null,
    ]),
  );
}

/** Writes label rows in slices; inside the caller's transaction. */
export async function insertLabelRows(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  rows: readonly LabelRow[],
): Promise<void> {
  const slice = 1000;
  for (let from = 0; from < rows.length; from += slice) {
    const part = rows.slice(from, from + slice);
    await write(
      db,
      timeoutMs,
      `INSERT INTO timer_labels (tenant, label, timer_id, outcome) VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')}`,
      part.flat(),
    );
  }
}
