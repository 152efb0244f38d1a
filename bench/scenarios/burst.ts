/**
 * burst / controllers: N timers due at the same instant, fired by 1, 2 or 3
 * controller processes with default settings. Drain rate = N / (last arrival −
 * fire_at); every timer exactly once.
 */
import { PLAIN_WEBHOOK, WebhookSpec } from '@timer/shared';
import { createTestDatabase } from '../../test/helpers/db';
import { killAll, spawnService } from '../../test/helpers/processes';
import { startReceiver } from '../../test/helpers/receiver';
import { insertTimersAt } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';
import { BenchOptions, duplicates, lateness, round } from '../common';
import type { Ceilings } from './ceilings';

/** A JSON payload of `bytes` bytes serialized, with one extra header: what a timer with its own request sends. */
export function payloadOf(bytes: number): WebhookSpec {
  const pad = 'p'.repeat(bytes - '{"pad":""}'.length);
  return { ...PLAIN_WEBHOOK, content: { kind: 'payload', value: { pad } }, headers: [['X-Bench', '1']] };
}

/**
 * `env`: settings for the controllers beyond the defaults (LOG_LEVEL is info unless given).
 * `webhook`: what every timer sends (absent: the plain webhook).
 */
export async function measureBurst(
  count: number,
  controllerCount: number,
  env: Record<string, string> = {},
  webhook?: WebhookSpec,
) {
  const t = await createTestDatabase('bench_burst');
  const receiver = await startReceiver(undefined, { light: true });
  const controllers = Array.from({ length: controllerCount }, (_, i) =>
    spawnService('controller', { DATABASE_URL: t.url, CONTROLLER_ID: `burst-${i}`, ...env }),
  );
  try {
    // At LOG_LEVEL=warn there is no "Controller started" line: each registers itself in the table instead.
    await waitFor('every controller registered', async () => {
      const [rows] = await t.db.raw('SELECT COUNT(*) AS n FROM controllers');
      return Number((rows as Array<{ n: number }>)[0].n) === controllerCount;
    });
    const fireAt = new Date(Date.now() + 4000 + count / 5); // after the insert is surely done
    const ids = await insertTimersAt(t.db, count, receiver.url, fireAt, webhook);
    await waitFor('every timer delivered', () => receiver.distinct === count, {
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    // Outcomes recorded too, not only sent.
    await waitFor('every timer recorded fired', async () => {
      const [rows] = await t.db.raw("SELECT COUNT(*) AS n FROM timers WHERE status = 'fired'");
      return Number((rows as Array<{ n: number }>)[0].n) === count;
    });
    const last = Math.max(...receiver.deliveries.map((d) => d.arrivedAt));
    const drainS = (last - fireAt.getTime()) / 1000;
    const seen = receiver.countById();
    return {
      controllers: controllerCount,
      fires_per_second: round(count / drainS, 0),
      drain_s: round(drainS, 2),
      lateness_ms: await lateness(t.db, receiver.deliveries),
      missing: ids.filter((id) => !seen.has(id)).length,
      duplicates: duplicates(receiver.deliveries),
    };
  } finally {
    await killAll(controllers);
    await receiver.close();
    await t.drop();
  }
}

export async function burst({ quick }: BenchOptions, ceilings: Ceilings): Promise<Record<string, unknown>> {
  const count = quick ? 2000 : 20_000;
  const result = await measureBurst(count, 1);
  // The same burst with the delivery rollups off (ROLLUP_RETENTION_DAYS=0): what counting
  // each outcome per minute, and writing once a minute, costs the drain rate.
  const noRollups = await measureBurst(count, 1, { ROLLUP_RETENTION_DAYS: '0' });
  // The same burst with every timer sending its own 1 KiB and 64 KiB JSON payload (fewer
  // timers for 64 KiB: 20,000 of them would be 1.3 GB of rows).
  const kib1 = await measureBurst(count, 1, {}, payloadOf(1024));
  const kib64Count = quick ? 1000 : 5000;
  const kib64 = await measureBurst(kib64Count, 1, {}, payloadOf(64 * 1024));
  return {
    scenario: 'burst',
    timers: count,
    ...result,
    // The run without rollups must lose and duplicate nothing either.
    missing: result.missing + noRollups.missing,
    duplicates: result.duplicates + noRollups.duplicates,
    with_payload: {
      '1KiB': {
        timers: count,
        fires_per_second: kib1.fires_per_second,
        lateness_ms: kib1.lateness_ms,
        missing: kib1.missing,
        duplicates: kib1.duplicates,
      },
      '64KiB': {
        timers: kib64Count,
        fires_per_second: kib64.fires_per_second,
        lateness_ms: kib64.lateness_ms,
        missing: kib64.missing,
        duplicates: kib64.duplicates,
      },
    },
    rollups: {
      fires_per_second: { on_default: result.fires_per_second, off: noRollups.fires_per_second },
      ratio_on_to_off: round(result.fires_per_second / noRollups.fires_per_second, 2),
      missing: noRollups.missing,
      duplicates: noRollups.duplicates,
    },
    ceiling: { bare_receiver_rps: ceilings.bare_receiver_rps },
    ratio_to_bare_receiver: round(result.fires_per_second / ceilings.bare_receiver_rps, 2),
    settings: 'defaults (CLAIM_BATCH_SIZE 500, MAX_IN_FLIGHT 256, MAX_HELD 5000, POLL_INTERVAL_MS 500)',
  };
}

export async function controllers({ quick }: BenchOptions, ceilings: Ceilings): Promise<Record<string, unknown>> {
  const count = quick ? 2000 : 20_000;
  const curve = [];
  for (const n of [1, 2, 3]) curve.push(await measureBurst(count, n));
  return {
    scenario: 'controllers',
    timers: count,
    curve: curve.map((c) => ({
      controllers: c.controllers,
      fires_per_second: c.fires_per_second,
      lateness_ms: c.lateness_ms,
    })),
    ceiling: { bare_receiver_rps: ceilings.bare_receiver_rps, cores: 2 },
    missing: curve.reduce((n, c) => n + c.missing, 0),
    duplicates: curve.reduce((n, c) => n + c.duplicates, 0),
  };
}

/**
 * logging: what the per-delivery log lines cost. The same burst twice in one run:
 * at the default LOG_LEVEL=info (a "Webhook delivered" line each, up to
 * DELIVERY_LOG_PER_SECOND, the rest counted) and at LOG_LEVEL=warn (no line for a
 * delivery).
 */
export async function logging({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  const count = quick ? 2000 : 20_000;
  const info = await measureBurst(count, 1, { LOG_LEVEL: 'info' });
  const warn = await measureBurst(count, 1, { LOG_LEVEL: 'warn' });
  return {
    scenario: 'logging',
    timers: count,
    fires_per_second: { info_default: info.fires_per_second, warn: warn.fires_per_second },
    ratio_info_to_warn: round(info.fires_per_second / warn.fires_per_second, 2),
    missing: info.missing + warn.missing,
    duplicates: info.duplicates + warn.duplicates,
    settings: 'one controller, defaults (DELIVERY_LOG_PER_SECOND 100)',
  };
}
