/**
 * The dashboard's chart and fleet data over HTTP: GET /ui/api/deliveries sums
 * the per-minute rollups over controllers (and over tenants for an admin key
 * without X-Tenant) and reads lateness percentiles from their histogram; GET
 * /ui/api/fleet lists the controllers (alive or not, with the load they
 * reported) and the flows with their breaker. On MariaDB and SQLite.
 */
import { LATENESS_COLUMNS, loadConfig } from '@timer/shared';
import type { RollupRow } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, RunningApi, startApp } from './support';

const ADMIN = 'tk_admin_charts_0123456789abcdef';
const as = (key: string) => ({ Authorization: `Bearer ${key}` });
const MINUTE = 60_000;

function rollup(minute: number, tenant: string, controllerId: string, counts: Partial<RollupRow>): RollupRow {
  return {
    minute: new Date(minute),
    tenant,
    controllerId,
    delivered: 0,
    retried: 0,
    failed: 0,
    skipped: 0,
    lateness: new Array<number>(LATENESS_COLUMNS.length).fill(0),
    ...counts,
  };
}

describe.each(DIALECTS)('the dashboard data on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_dash_data', {}, dialect);
    const config = loadConfig({ DATABASE_URL: t.url, ADMIN_API_KEYS: ADMIN }, { standalone: true });
    api = await startApp(config, t.store, { nudger: { nudge: () => undefined } });
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  it('charts deliveries per minute by outcome, summed over controllers, with lateness percentiles', async () => {
    const now = Date.now();
    const m1 = now - (now % MINUTE) - 2 * MINUTE;
    const m2 = m1 + MINUTE;
    const old = m1 - 5 * 3600_000;
    await t.store.rollups.add([
      rollup(m1, 'default', 'ctl-a', {
        delivered: 90,
        retried: 5,
        lateness: [90, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      }),
      rollup(m1, 'default', 'ctl-b', { delivered: 4, failed: 1, lateness: [0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0] }),
      rollup(m2, 'acme', 'ctl-a', { skipped: 2, delivered: 1, lateness: [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0] }),
      rollup(old, 'default', 'ctl-a', { delivered: 7 }),
    ]);

    const res = await api.http().get('/ui/api/deliveries?hours=1').set(as(ADMIN));

    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ hours: 1, scope: 'all' });
    expect(res.body.lateness_bounds_ms).toHaveLength(LATENESS_COLUMNS.length - 1);
    expect(res.body.minutes).toEqual([
      expect.objectContaining({
        minute: new Date(m1).toISOString(),
        delivered: 94,
        retried: 5,
        failed: 1,
        skipped: 0,
        sent: 100,
        lateness_p50_ms: 3, // rank 50 of the 90 in 0–5 ms
        lateness_p99_ms: 220, // rank 99 is the 4th of 5 in 100–250 ms: 100 + 150 × 4/5
      }),
      expect.objectContaining({ minute: new Date(m2).toISOString(), delivered: 1, skipped: 2, sent: 1 }),
    ]);

    const acme = await api.http().get('/ui/api/deliveries?hours=1').set(as(ADMIN)).set('X-Tenant', 'acme');
    expect(acme.body.scope).toBe('tenant');
    expect(acme.body.minutes.map((m: { delivered: number }) => m.delivered)).toEqual([1]);

    const day = await api.http().get('/ui/api/deliveries?hours=24').set(as(ADMIN));
    expect(day.body.minutes).toHaveLength(3);
  });

  it('refuses hours out of range, not a number, or another parameter, and needs the key', async () => {
    for (const query of ['hours=0', 'hours=169', 'hours=two', 'hours=1&tenant=x']) {
      expectError(await api.http().get(`/ui/api/deliveries?${query}`).set(as(ADMIN)), 400, 'validation_failed');
    }
    expectError(await api.http().get('/ui/api/deliveries'), 401, 'unauthorized');
    expectError(await api.http().get('/ui/api/fleet'), 401, 'unauthorized');
  });

  it('lists the controllers, alive or not, with the load each reported, and the flows with their breaker', async () => {
    await t.store.fleet.register({ id: 'ctl-live', endpoint: 'http://127.0.0.1:1', inFlight: 3, held: 40 });
    await t.store.fleet.register({ id: 'ctl-gone', endpoint: 'http://127.0.0.1:2', inFlight: 1, held: 2 });
    await t.db.raw(`UPDATE controllers SET heartbeat_at = ${t.sql.minus(t.sql.now)} WHERE id = 'ctl-gone'`, [
      t.sql.duration(60_000),
    ]);
    await t.store.flows.put('default', 'http://down.example:80', { parallelism: 2, rate: null, burst: null });
    await t.store.flows.put('acme', 'slow-partner', { parallelism: null, rate: 5, burst: null });
    await t.store.flows.setPaused('acme', 'slow-partner', true);
    for (let i = 0; i < 3; i++) await t.store.flows.failed('http://down.example:80', { threshold: 3, openMs: 60_000 });

    const res = await api.http().get('/ui/api/fleet').set(as(ADMIN));

    expect(res.status).toBe(200);
    expect(res.body.controllers).toEqual([
      expect.objectContaining({ id: 'ctl-live', alive: true, in_flight: 3, held: 40 }),
      expect.objectContaining({ id: 'ctl-gone', alive: false, in_flight: 1, held: 2 }),
    ]);
    expect(res.body.controllers[1].heartbeat_age_ms).toBeGreaterThanOrEqual(59_000);
    expect(res.body.flows).toEqual([
      expect.objectContaining({ tenant: 'acme', key: 'slow-partner', rate: 5, paused: true, origin: null }),
      expect.objectContaining({
        tenant: 'default',
        key: 'http://down.example:80',
        parallelism: 2,
        paused: false,
        origin: expect.objectContaining({ state: 'breaker' }),
      }),
    ]);

    const acme = await api.http().get('/ui/api/fleet').set(as(ADMIN)).set('X-Tenant', 'acme');
    expect(acme.body.flows.map((f: { key: string }) => f.key)).toEqual(['slow-partner']);
    expect(acme.body.controllers).toHaveLength(2);
  });
});
