/**
 * fleet: three controller processes with default settings, N timers due over two
 * seconds. Fired per second (first to last arrival) and lateness (arrival − fire_at).
 */
import { createTestDatabase } from '../../test/helpers/db';
import { killAll, spawnService } from '../../test/helpers/processes';
import { startReceiver } from '../../test/helpers/receiver';
import { insertTimers, statusCounts } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';
import { BenchOptions, duplicates, lateness, round } from '../common';

export async function fleet({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  const count = quick ? 500 : 2000;
  const spreadMs = 2000;
  const t = await createTestDatabase('bench_fleet');
  const receiver = await startReceiver(undefined, { light: true });
  const controllers = [0, 1, 2].map((i) =>
    spawnService('controller', { DATABASE_URL: t.url, CONTROLLER_ID: `bench-${i}`, LOG_LEVEL: 'info' }),
  );
  try {
    await Promise.all(controllers.map((c) => c.waitForLog('Controller started')));
    const ids = await insertTimers(t.db, count, receiver.url, (i) => 1500 + (i * spreadMs) / count);
    await waitFor('all timers fired', async () => (await statusCounts(t.db)).fired === count, { timeoutMs: 120_000 });
    const arrivals = receiver.deliveries.map((d) => d.arrivedAt);
    const seconds = (Math.max(...arrivals) - Math.min(...arrivals)) / 1000;
    const late = await lateness(t.db, receiver.deliveries);
    const delivered = new Set(receiver.deliveries.map((d) => d.id));
    return {
      scenario: 'fleet',
      controllers: 3,
      timers: count,
      due_over_ms: spreadMs,
      fired_per_second: round(count / seconds),
      lateness_ms: late,
      missing: ids.filter((id) => !delivered.has(id)).length,
      duplicates: duplicates(receiver.deliveries),
      settings: 'defaults (POLL_INTERVAL_MS 500, LOOKAHEAD_MS 1000, CLAIM_BATCH_SIZE 500, MAX_IN_FLIGHT 256)',
    };
  } finally {
    await killAll(controllers);
    await receiver.close();
    await t.drop();
  }
}
