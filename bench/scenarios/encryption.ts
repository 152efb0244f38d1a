/**
 * encryption: what sealing at rest (DATA_KEYS, AES-256-GCM) costs, in one run.
 * The same two measurements with no DATA_KEYS and with a key, each with the plain
 * webhook (a small request) and with a 1 KiB JSON payload and a header:
 *
 *   creates   POST /timers through the real api process at concurrency 64, against
 *             MariaDB (a create seals the URL, and the request when it has one)
 *   burst     N timers due at one instant, written sealed (or not) through the
 *             store, drained by one controller process (a claim opens the URL, a
 *             send opens the request); drain rate = N / (last arrival − fire_at)
 *
 * Ratios are "with a key / without": 1.0 means encryption costs nothing here.
 */
import { DataKeys, newDataKey, newId, parseDataKeys, Store, WebhookSpec } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { killAll, spawnService } from '../../test/helpers/processes';
import { startReceiver } from '../../test/helpers/receiver';
import { waitFor } from '../../test/helpers/wait';
import { BenchOptions, duplicates, round } from '../common';
import { createFigures, runLoad } from '../load';
import { payloadOf } from './burst';

const URL_TO_NOWHERE = 'http://127.0.0.1:9/hooks/some/path?token=abc';
const SMALL_BODY = JSON.stringify({ seconds: 3600, url: URL_TO_NOWHERE });
const KIB_BODY = JSON.stringify({
  seconds: 3600,
  url: URL_TO_NOWHERE,
  payload: { pad: 'p'.repeat(1024 - '{"pad":""}'.length) },
  headers: { 'X-Bench': '1' },
});

type Payload = 'small' | '1KiB';

async function count(t: TestDatabase, where = '1 = 1'): Promise<number> {
  const [rows] = await t.db.raw(`SELECT COUNT(*) AS n FROM timers WHERE ${where}`);
  return Number((rows as Array<{ n: number }>)[0].n);
}

async function measureCreates(dataKeys: string | null, body: string, durationS: number) {
  const t = await createTestDatabase('bench_enc_create');
  const api = spawnService('api', { DATABASE_URL: t.url, ...(dataKeys ? { DATA_KEYS: dataKeys } : {}) });
  try {
    const line = await api.waitForLog('API listening');
    const load = await runLoad({ url: `http://127.0.0.1:${line.port}/timers`, body, connections: 64, durationS });
    const figures = createFigures(load, await count(t));
    if (dataKeys && (await count(t, 'url_sealed IS NULL')) > 0) throw new Error('a timer was stored unsealed');
    return figures;
  } finally {
    await killAll([api]);
    await t.drop();
  }
}

async function measureBurst(dataKeys: string | null, timers: number, webhook?: WebhookSpec) {
  const t = await createTestDatabase('bench_enc_burst');
  const receiver = await startReceiver(undefined, { light: true });
  const controller = spawnService('controller', {
    DATABASE_URL: t.url,
    CONTROLLER_ID: 'encryption-0',
    ...(dataKeys ? { DATA_KEYS: dataKeys } : {}),
  });
  try {
    await controller.waitForLog('Controller started');
    const keys = dataKeys ? new DataKeys(parseDataKeys('DATA_KEYS', dataKeys).keys) : DataKeys.none();
    const store = new Store(t.db, 60_000, { dataKeys: keys });
    const fireAt = new Date(Date.now() + 4000 + timers / 2); // after the inserts are surely done
    const createdAt = new Date();
    const ids = Array.from({ length: timers }, () => newId());
    await store.timers.createBatch(ids.map((id) => ({ id, url: receiver.url, createdAt, fireAt, webhook })));
    await waitFor('every timer delivered', () => receiver.distinct === timers, { timeoutMs: 180_000, intervalMs: 100 });
    const last = Math.max(...receiver.deliveries.map((d) => d.arrivedAt));
    const drainS = (last - fireAt.getTime()) / 1000;
    const seen = receiver.countById();
    return {
      fires_per_second: round(timers / drainS, 0),
      drain_s: round(drainS, 2),
      missing: ids.filter((id) => !seen.has(id)).length,
      duplicates: duplicates(receiver.deliveries),
    };
  } finally {
    await killAll([controller]);
    await receiver.close();
    await t.drop();
  }
}

export async function encryption({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  // Quick (CI: nothing lost or duplicated) runs the payload that seals the most, shorter.
  const durationS = quick ? 2 : 10;
  const timers = quick ? 1000 : 20_000;
  const key = newDataKey('bench');
  const bodies: Record<Payload, { body: string; webhook?: WebhookSpec }> = {
    small: { body: SMALL_BODY },
    '1KiB': { body: KIB_BODY, webhook: payloadOf(1024) },
  };
  const creates: Record<string, unknown> = {};
  const burst: Record<string, unknown> = {};
  let missing = 0;
  let dupes = 0;
  const measured = Object.entries(bodies).filter(([payload]) => !quick || payload === '1KiB');
  for (const [payload, { body, webhook }] of measured) {
    const off = await measureCreates(null, body, durationS);
    const on = await measureCreates(key, body, durationS);
    creates[payload] = {
      off: { creates_per_second: off.creates_per_second, latency_ms: off.latency_ms },
      on: { creates_per_second: on.creates_per_second, latency_ms: on.latency_ms },
      ratio_on_to_off: round(on.creates_per_second / off.creates_per_second, 2),
    };
    missing += off.acknowledged_but_missing + on.acknowledged_but_missing;
    const drainOff = await measureBurst(null, timers, webhook);
    const drainOn = await measureBurst(key, timers, webhook);
    burst[payload] = {
      off: { fires_per_second: drainOff.fires_per_second, drain_s: drainOff.drain_s },
      on: { fires_per_second: drainOn.fires_per_second, drain_s: drainOn.drain_s },
      ratio_on_to_off: round(drainOn.fires_per_second / drainOff.fires_per_second, 2),
    };
    missing += drainOff.missing + drainOn.missing;
    dupes += drainOff.duplicates + drainOn.duplicates;
  }
  return {
    scenario: 'encryption',
    connections: 64,
    duration_s: durationS,
    burst_timers: timers,
    creates,
    burst,
    missing,
    duplicates: dupes,
    settings: 'MariaDB, one api process / one controller process, defaults; on = one DATA_KEYS key',
  };
}
