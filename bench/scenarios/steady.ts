/**
 * steady: timers created through the api at a steady rate (500/s) with a 2 s
 * delay, one api and one controller process with default settings. Lateness is
 * receiver arrival − fire_at (as the api returned it); every timer exactly once.
 */
import type { TestDatabase } from '../../test/helpers/db';
import { createTestDatabase } from '../../test/helpers/db';
import { killAll, spawnService } from '../../test/helpers/processes';
import { startReceiver } from '../../test/helpers/receiver';
import { waitFor } from '../../test/helpers/wait';
import { BenchOptions, firstArrivals, latenessOf, round } from '../common';
import { runCreator, warmUp, WARMUP_S } from '../processes';

export async function measureSteady(t: TestDatabase, ratePerSecond: number, durationS: number) {
  const receiver = await startReceiver(undefined, { light: true });
  const controller = spawnService('controller', { DATABASE_URL: t.url });
  const api = spawnService('api', { DATABASE_URL: t.url });
  try {
    await controller.waitForLog('Controller started');
    const port = (await api.waitForLog('API listening')).port as number;
    const body = JSON.stringify({ seconds: 2, url: receiver.url });
    const url = `http://127.0.0.1:${port}/timers`;
    const warm = await warmUp(url, ratePerSecond, body, receiver);
    const created = await runCreator(url, ratePerSecond, durationS, body);
    const fireAt = new Map(Object.entries(created.fireAt));
    const errors = created.errors;
    const createRate = (ratePerSecond * durationS) / created.seconds;
    await waitFor('every accepted timer delivered', () => receiver.distinct >= warm.ids.length + fireAt.size, {
      timeoutMs: 30_000,
      intervalMs: 100,
    }).catch(() => undefined);
    const first = firstArrivals(receiver.deliveries);
    const late = [...fireAt].filter(([id]) => first.has(id)).map(([id, at]) => first.get(id)! - at);
    return {
      rate_per_second: ratePerSecond,
      achieved_create_rate: round(createRate, 0),
      duration_s: durationS,
      accepted: fireAt.size,
      create_errors: errors,
      lateness_ms: latenessOf(late),
      early: late.filter((ms) => ms < 0).length,
      warmup: { seconds: WARMUP_S, timers: warm.ids.length, lateness_ms: latenessOf(warm.lateness) },
      missing: [...warm.ids, ...fireAt.keys()].filter((id) => !first.has(id)).length,
      duplicates: receiver.deliveries.length - first.size,
    };
  } finally {
    await killAll([api, controller]);
    await receiver.close();
  }
}

export async function steady({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  const t = await createTestDatabase('bench_steady');
  try {
    const result = await measureSteady(t, 500, quick ? 4 : 20);
    return {
      scenario: 'steady',
      delay_s: 2,
      ...result,
      settings: 'defaults (POLL_INTERVAL_MS 500, LOOKAHEAD_MS 1000)',
    };
  } finally {
    await t.drop();
  }
}
