/**
 * flow: two origins, N timers each due at the same instant, one controller with
 * default settings. Run twice: with no flow configured, and with one origin
 * limited to 20 requests a second. What must not move is the unlimited origin's
 * lateness and drain; the limited one is read over the same window (its busiest
 * second, which must stay within rate + burst). The limited origin's backlog is
 * not waited for (5,000 at 20/s is four minutes).
 */
import { createTestDatabase } from '../../test/helpers/db';
import { killAll, spawnService } from '../../test/helpers/processes';
import { startReceiver } from '../../test/helpers/receiver';
import { insertTimersAt } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';
import { DEFAULT_TENANT, originOf } from '@timer/shared';
import { BenchOptions, duplicates, lateness, round } from '../common';

const RATE = 20;
const BURST = 2;

function busiestSecond(arrivals: number[]): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j] < sorted[i] + 1000) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

async function measureTwoOrigins(count: number, limitOne: boolean) {
  const t = await createTestDatabase('bench_flow');
  const [free, limited] = await Promise.all([
    startReceiver(undefined, { light: true }),
    startReceiver(undefined, { light: true }),
  ]);
  const controller = spawnService('controller', { DATABASE_URL: t.url, CONTROLLER_ID: 'flow-0' });
  try {
    await controller.waitForLog('Controller started');
    if (limitOne) {
      await t.store.flows.put(DEFAULT_TENANT, originOf(limited.url)!, { parallelism: null, rate: RATE, burst: BURST });
    }
    const fireAt = new Date(Date.now() + 4000 + count / 2);
    const ids = await insertTimersAt(t.db, count, free.url, fireAt);
    await insertTimersAt(t.db, count, limited.url, fireAt);
    await waitFor('the unlimited origin drained', () => free.distinct === count, {
      timeoutMs: 180_000,
      intervalMs: 100,
    });
    const last = Math.max(...free.deliveries.map((d) => d.arrivedAt));
    const drainS = (last - fireAt.getTime()) / 1000;
    const seen = free.countById();
    const limitedArrivals = limited.deliveries.map((d) => d.arrivedAt).filter((at) => at <= last);
    return {
      unlimited: {
        fires_per_second: round(count / drainS, 0),
        drain_s: round(drainS, 2),
        lateness_ms: await lateness(t.db, free.deliveries),
      },
      other_origin: {
        limit: limitOne ? `rate ${RATE}, burst ${BURST}` : 'none',
        sent_meanwhile: limitedArrivals.length,
        busiest_second: busiestSecond(limitedArrivals),
      },
      missing: ids.filter((id) => !seen.has(id)).length,
      duplicates: duplicates(free.deliveries) + duplicates(limited.deliveries),
    };
  } finally {
    await killAll([controller]);
    await Promise.all([free.close(), limited.close()]);
    await t.drop();
  }
}

export async function flow({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  const count = quick ? 1000 : 5000;
  const without = await measureTwoOrigins(count, false);
  const beside = await measureTwoOrigins(count, true);
  return {
    scenario: 'flow',
    timers_per_origin: count,
    no_limits: without,
    one_origin_limited: beside,
    missing: without.missing + beside.missing,
    duplicates: without.duplicates + beside.duplicates,
    settings: 'one controller, defaults',
  };
}
