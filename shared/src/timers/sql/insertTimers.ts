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

/**
 * Rows per INSERT: 19 bound values each, 19,000 a statement, below every
 * driver's limit (SQLite: 32,766). A batch of 1,000 (MAX_BATCH_SIZE's default)
 * is one statement, one round trip.
 */
const INSERT_SLICE = 1000;

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
  // Every statement is sent at once: the connection runs them in order, each
  // one's values are formatted while the database works on the one before, and
  // the transaction makes them all or none. Settled before returning, so no
  // statement is left running on the caller's transaction after an error.
  const writes: Promise<void>[] = [];
  for (let from = 0; from < timers.length; from += INSERT_SLICE) {
    writes.push(insertSlice(db, timeoutMs, atRest, timers.slice(from, from + INSERT_SLICE)));
  }
  writes.push(insertLabelRows(db, timeoutMs, labelled));
  const failed = (await Promise.allSettled(writes)).find((w) => w.status === 'rejected');
  if (failed) throw failed.reason;
}

/** `(?, …), (?, …)`: `rows` times `row`, kept for the sizes last asked (a full slice, mostly). */
const placeholders = new Map<string, string>();
function valuesOf(row: string, rows: number): string {
  const key = `${rows}:${row}`;
  let text = placeholders.get(key);
  if (text === undefined) {
    text = Array.from({ length: rows }, () => row).join(', ');
    if (placeholders.size > 16) placeholders.clear();
    placeholders.set(key, text);
  }
  return text;
}

/** The bound columns of a timers row, in the INSERT's order (status is the literal 'pending'). */
const TIMER_COLUMNS = 19;

async function insertSlice(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  atRest: AtRest,
  timers: readonly NewTimer[],
) {
  const values = bindingsOf(atRest, timers);
  // A column NULL in every row of the slice (most of a plain timer's policy,
  // sealing and tracing columns) is written as a literal NULL rather than bound
  // row by row: about half the values to format and escape for the same rows.
  const bound = Array.from({ length: TIMER_COLUMNS }, (_, c) => {
    for (let i = c; i < values.length; i += TIMER_COLUMNS) if (values[i] !== null) return true;
    return false;
  });
  const cells = bound.map((b): string => (b ? '?' : 'NULL'));
  cells.splice(3, 0, "'pending'");
  const bindings = bound.every(Boolean) ? values : values.filter((_, i) => bound[i % TIMER_COLUMNS]);
  await write(
    db,
    timeoutMs,
    `INSERT INTO timers (id, url, url_sealed, status, fire_at, due_at, created_at, updated_at, owner, tenant,
                         max_attempts, retry_base_ms, retry_max_ms, max_lateness_s, webhook, labels, callbacks,
                         trace_parent, trace_state, flow_key)
     VALUES ${valuesOf(`(${cells.join(', ')})`, timers.length)}`,
    bindings,
  );
}

/** The 19 values of each timer's row, in one array (no array a row). */
function bindingsOf(atRest: AtRest, timers: readonly NewTimer[]): unknown[] {
  const values: unknown[] = [];
  for (const t of timers) {
    const tenant = t.tenant ?? DEFAULT_TENANT;
    const url = atRest.sealUrl(t.url, tenant);
    values.push(
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
    );
  }
  return values;
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
  const rows: LabelRow[] = [];
  for (const t of timers) {
    const labels = t.labels ?? {};
    const tenant = t.tenant ?? DEFAULT_TENANT;
    for (const k of Object.keys(labels)) rows.push([tenant, labelTerm(k, labels[k]), t.id, t.outcome ?? null]);
  }
  return rows;
}

/**
 * Writes label rows in slices of 5,000 (3 bound values each, 4 when some are
 * created final: at most 20,000 a statement); inside the caller's transaction.
 * A batch of 1,000 timers with up to five labels each is one statement.
 */
export async function insertLabelRows(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  rows: readonly LabelRow[],
): Promise<void> {
  const slice = 5000;
  for (let from = 0; from < rows.length; from += slice) {
    const part = rows.slice(from, from + slice);
    // New timers are live (outcome NULL) but for skipped occurrences: then it is a literal.
    const live = part.every((row) => row[3] === null);
    const values: Array<string | null> = [];
    for (const [tenant, label, id, outcome] of part) {
      if (live) values.push(tenant, label, id);
      else values.push(tenant, label, id, outcome);
    }
    await write(
      db,
      timeoutMs,
      `INSERT INTO timer_labels (tenant, label, timer_id, outcome)
       VALUES ${valuesOf(live ? '(?, ?, ?, NULL)' : '(?, ?, ?, ?)', part.length)}`,
      values,
    );
  }
}
