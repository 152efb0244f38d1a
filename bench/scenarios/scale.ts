/**
 * scale: the create and steady figures with the table already holding millions
 * of pending timers (bulk-loaded, due far ahead), beside the same figures on an
 * empty table measured in this run.
 */
import type { TestDatabase } from '../../test/helpers/db';
import { createTestDatabase } from '../../test/helpers/db';
import { BenchOptions, round } from '../common';
import { measureCreate } from './create';
import { measureSteady } from './steady';

const DIGITS =
  '(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';

/** Appends `count` pending timers due 1–2 years ahead, a million rows per statement. */
async function bulkLoad(t: TestDatabase, count: number): Promise<void> {
  const chunk = Math.min(count, 1_000_000);
  const places = Math.round(Math.log10(chunk));
  const tables = Array.from({ length: places }, (_, i) => `${DIGITS} p${i}`).join(', ');
  const number = Array.from({ length: places }, (_, i) => `p${i}.d * ${10 ** i}`).join(' + ');
  for (let offset = 0; offset < count; offset += chunk) {
    await t.db.raw(
      `INSERT INTO timers (id, url, status, fire_at, due_at, created_at, updated_at)
       SELECT CONCAT('00000000-0000-7000-8000-', LPAD(n, 12, '0')), 'http://127.0.0.1:9/hooks', 'pending',
              NOW(3) + INTERVAL 365 DAY + INTERVAL n SECOND, NOW(3) + INTERVAL 365 DAY + INTERVAL n SECOND, NOW(3), NOW(3)
       FROM (SELECT ${offset} + ${number} AS n FROM ${tables}) numbers`,
    );
  }
  await t.db.raw('ANALYZE TABLE timers');
}

export async function scale({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  const rows = quick ? 100_000 : 10_000_000;
  const createS = quick ? 3 : 10;
  const steadyS = quick ? 4 : 20;
  const figures = async (t: TestDatabase) => ({
    create: await measureCreate(t, 1, createS),
    steady: await measureSteady(t, 500, steadyS),
  });

  const empty = await createTestDatabase('bench_scale_empty');
  const before = await figures(empty).finally(() => empty.drop());

  const full = await createTestDatabase('bench_scale_full');
  try {
    const loadStarted = Date.now();
    await bulkLoad(full, rows);
    const loadS = (Date.now() - loadStarted) / 1000;
    const after = await figures(full);
    const ratio = (a: number, b: number) => round(a / b, 2);
    return {
      scenario: 'scale',
      pending_rows: rows,
      bulk_load_s: round(loadS, 0),
      create_per_second: { empty: before.create.creates_per_second, full: after.create.creates_per_second },
      create_p99_ms: { empty: before.create.latency_ms.p99, full: after.create.latency_ms.p99 },
      steady_lateness_ms: { empty: before.steady.lateness_ms, full: after.steady.lateness_ms },
      ratio_full_to_empty: {
        creates_per_second: ratio(after.create.creates_per_second, before.create.creates_per_second),
        steady_p99: ratio(after.steady.lateness_ms.p99, before.steady.lateness_ms.p99),
      },
      missing:
        before.steady.missing +
        after.steady.missing +
        before.create.acknowledged_but_missing +
        after.create.acknowledged_but_missing,
      duplicates: before.steady.duplicates + after.steady.duplicates,
    };
  } finally {
    await full.drop();
  }
}
