/**
 * create: POST /timers through the real api process at concurrency 64, against
 * MariaDB. Every 201 must be a committed row (checked after the run).
 */
import type { TestDatabase } from '../../test/helpers/db';
import { createTestDatabase } from '../../test/helpers/db';
import { killAll, spawnService } from '../../test/helpers/processes';
import { BenchOptions, round } from '../common';
import { createFigures, runLoad } from '../load';
import { BODY, Ceilings } from './ceilings';

async function countRows(t: TestDatabase): Promise<number> {
  const [rows] = await t.db.raw('SELECT COUNT(*) AS n FROM timers');
  return Number((rows as Array<{ n: number }>)[0].n);
}

/** One create run on a given database; reused by the scale scenario. */
export async function measureCreate(t: TestDatabase, workers: number, durationS: number) {
  const api = spawnService('api', { DATABASE_URL: t.url, API_WORKERS: String(workers) });
  try {
    const line = await api.waitForLog('API listening');
    if (workers > 1) {
      await new Promise((r) => setTimeout(r, 1000)); // every worker listening
    }
    const before = await countRows(t);
    const load = await runLoad({ url: `http://127.0.0.1:${line.port}/timers`, body: BODY, connections: 64, durationS });
    const rows = (await countRows(t)) - before;
    return { api_workers: workers, ...createFigures(load, rows) };
  } finally {
    await killAll([api]);
  }
}

export async function create({ quick }: BenchOptions, ceilings: Ceilings): Promise<Record<string, unknown>> {
  const durationS = quick ? 3 : 10;
  const runs = [];
  for (const workers of quick ? [1] : [1, 2]) {
    const t = await createTestDatabase('bench_create');
    try {
      runs.push(await measureCreate(t, workers, durationS));
    } finally {
      await t.drop();
    }
  }
  const best = runs.reduce((a, b) => (b.creates_per_second > a.creates_per_second ? b : a));
  return {
    scenario: 'create',
    connections: 64,
    duration_s: durationS,
    creates_per_second: best.creates_per_second,
    latency_ms: best.latency_ms,
    api_workers: best.api_workers,
    runs,
    ceiling: { express_noop_rps: ceilings.express_noop_rps },
    ratio_to_express_noop: round(best.creates_per_second / ceilings.express_noop_rps, 2),
    missing: runs.reduce((n, r) => n + r.acknowledged_but_missing, 0),
    duplicates: 0,
  };
}
