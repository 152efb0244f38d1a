/**
 * Bulk-creating timers straight in the table, for tests and benchmarks that need
 * thousands of them due at chosen moments (creating them over HTTP is tested
 * elsewhere). Due times are relative to the database clock, like the api's.
 */
import { v7 as uuidv7 } from 'uuid';
import { Db, dialectOf, encodeWebhookSpec, NewTimer, select, WebhookSpec } from '@timer/shared';

export async function insertTimers(
  db: Db,
  count: number,
  url: string,
  dueInMs: (index: number) => number,
): Promise<string[]> {
  const d = dialectOf(db);
  const ids = Array.from({ length: count }, () => uuidv7());
  for (let start = 0; start < count; start += 1000) {
    const chunk = ids.slice(start, start + 1000);
    const values = chunk.map(() => `(?, ?, ${d.plus(d.now)}, ${d.plus(d.now)}, ${d.now}, ${d.now})`);
    const bindings = chunk.flatMap((id, i) => {
      const due = d.duration(dueInMs(start + i));
      return [id, url, due, due];
    });
    await db.raw(
      `INSERT INTO timers (id, url, fire_at, due_at, created_at, updated_at) VALUES ${values.join(', ')}`,
      bindings,
    );
  }
  return ids;
}

export async function statusCounts(db: Db): Promise<Record<string, number>> {
  const rows = await select<{ status: string; n: number }>(
    db,
    10_000,
    'SELECT status, COUNT(*) AS n FROM timers GROUP BY status',
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A new timer for store.timers.create, due `delayMs` from now (tests share the database's host clock). */
export function newTimer(url: string, delayMs = 0, id = uuidv7()): NewTimer {
  const now = Date.now();
  return { id, url, createdAt: new Date(now), fireAt: new Date(now + delayMs) };
}

/**
 * Like insertTimers, but every timer is due at the same absolute instant.
 * `webhook`: what each sends (timers.webhook); absent, the plain webhook.
 */
export async function insertTimersAt(
  db: Db,
  count: number,
  url: string,
  fireAt: Date,
  webhook?: WebhookSpec,
): Promise<string[]> {
  const { now } = dialectOf(db);
  const text = webhook ? encodeWebhookSpec(webhook) : null;
  // Smaller chunks for heavy rows: one statement stays under max_allowed_packet (16 MiB by default).
  const size = text && text.length > 4096 ? 100 : 1000;
  const ids = Array.from({ length: count }, () => uuidv7());
  for (let start = 0; start < count; start += size) {
    const chunk = ids.slice(start, start + size);
    await db.raw(
      `INSERT INTO timers (id, url, fire_at, due_at, created_at, updated_at, webhook) VALUES ${chunk
        .map(() => `(?, ?, ?, ?, ${now}, ${now}, ?)`)
        .join(', ')}`,
      chunk.flatMap((id) => [id, url, fireAt, fireAt, text]),
    );
  }
  return ids;
}
