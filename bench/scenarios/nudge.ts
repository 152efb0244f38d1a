/**
 * nudge: what a flood of POST /nudge costs. One api and one controller process
 * with default settings; creates made one at a time for 5 s idle, then for 10 s
 * while another process floods the controller's /nudge. Reports the claims the
 * controller ran during the flood (bounded by NUDGE_MIN_INTERVAL_MS) and the
 * creates' p50/p99, idle against flooded, in the same run.
 */
import { createTestDatabase } from '../../test/helpers/db';
import { claimsSoFar, createLatencies, floodPosts } from '../../test/helpers/flood';
import { killAll, spawnService, TEST_INTERNAL_TOKEN } from '../../test/helpers/processes';
import { percentile } from '../../test/helpers/timers';
import { BenchOptions, round } from '../common';

export async function nudge({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  const floodMs = quick ? 3000 : 10_000;
  const t = await createTestDatabase('bench_nudge');
  const env = { DATABASE_URL: t.url, LOG_LEVEL: 'warn' };
  const controller = spawnService('controller', { ...env, LOG_LEVEL: 'info' });
  const api = spawnService('api', { ...env, LOG_LEVEL: 'info' });
  try {
    const controllerUrl = `http://127.0.0.1:${(await controller.waitForLog('Controller health server listening')).port as number}`;
    const apiUrl = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;
    await controller.waitForLog('Controller started');
    await createLatencies(apiUrl, 1000);
    const idle = await createLatencies(apiUrl, quick ? 2000 : 5000);
    const before = await claimsSoFar(controllerUrl);
    const [nudges, flooded] = await Promise.all([
      floodPosts(`${controllerUrl}/nudge`, floodMs, { authorization: `Bearer ${TEST_INTERNAL_TOKEN}` }),
      createLatencies(apiUrl, floodMs),
    ]);
    const claims = (await claimsSoFar(controllerUrl)) - before;
    const figures = (l: number[]) => ({ p50: round(percentile(l, 50), 2), p99: round(percentile(l, 99), 2) });
    return {
      scenario: 'nudge',
      flood_s: floodMs / 1000,
      nudges,
      claims_during_flood: claims,
      claims_bound: floodMs / 50 + floodMs / 500,
      create_ms: { idle: figures(idle), flooded: figures(flooded) },
      p99_ratio_flooded_to_idle: round(percentile(flooded, 99) / percentile(idle, 99), 2),
      settings: 'defaults (POLL_INTERVAL_MS 500, NUDGE_MIN_INTERVAL_MS 50); flood: 16 keep-alive connections',
    };
  } finally {
    await killAll([controller, api]);
    await t.drop();
  }
}
