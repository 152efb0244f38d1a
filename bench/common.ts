/**
 * What every benchmark scenario shares: a fresh database, a receiver, service
 * processes, and figures from delivery records.
 */
import type { Db } from '@timer/shared';
import type { Delivery } from '../test/helpers/receiver';
import { percentile } from '../test/helpers/timers';

export interface BenchOptions {
  quick: boolean;
  /** `--baseline=DIR`: an earlier built checkout to measure too (the cost scenario). */
  baseline?: string;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** When each timer first arrived (a repeat delivery is a duplicate, counted apart). */
export function firstArrivals(deliveries: Delivery[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const d of deliveries) if (!first.has(d.id)) first.set(d.id, d.arrivedAt);
  return first;
}

/** Lateness (arrival − fire_at) of the first delivery of each timer, in ms. */
export async function lateness(db: Db, deliveries: Delivery[]): Promise<{ p50: number; p99: number; max: number }> {
  const first = firstArrivals(deliveries);
  const fireAt = new Map<string, number>();
  const ids = [...first.keys()];
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    const [rows] = await db.raw(
      `SELECT id, ROUND(UNIX_TIMESTAMP(fire_at) * 1000) AS ms FROM timers WHERE id IN (${chunk.map(() => '?').join(',')})`,
      chunk,
    );
    for (const r of rows as Array<{ id: string; ms: string }>) fireAt.set(r.id, Number(r.ms));
  }
  const values = ids.map((id) => first.get(id)! - fireAt.get(id)!).sort((a, b) => a - b);
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: values[values.length - 1] };
}

/** p50, p99 and max of lateness figures (sorts them in place). */
export function latenessOf(late: number[]): { p50: number; p99: number; max: number } {
  late.sort((a, b) => a - b);
  return { p50: percentile(late, 50), p99: percentile(late, 99), max: late[late.length - 1] };
}

export function duplicates(deliveries: Delivery[]): number {
  const seen = new Set<string>();
  let dup = 0;
  for (const d of deliveries) {
    if (seen.has(d.id)) dup += 1;
    seen.add(d.id);
  }
  return dup;
}
