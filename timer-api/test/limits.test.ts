/**
 * Rate limits and quotas: RATE_LIMIT_PER_SECOND (a token bucket per key, or per
 * client address without keys) answers 429 with Retry-After; MAX_PENDING_PER_KEY
 * caps the timers a tenant has waiting (KEY_A is the default tenant's, KEY_B
 * another's). Neither writes a row for what it refuses.
 * Time is a FakeClock: nothing here sleeps.
 */
import { createHash } from 'node:crypto';
import { DbClock, loadConfig, Metrics } from '@timer/shared';
import { FakeClock } from '../../test/helpers/fakeClock';
import { countTimers, createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { LocalPendingQuota, TenantQuota } from '../src/domain/pendingQuota';
import { TimerService } from '../src/domain/timers';
import { TokenBuckets } from '../src/domain/tokenBuckets';
import { WebhookTargets } from '../src/domain/webhookTargets';
import { expectError, HOOK_URL, rawRequest, RunningApi, startApp } from './support';

const KEY_A = 'key-a-0123456789abcdefgh';
const KEY_B = 'key-b-0123456789abcdefgh';
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const quiet = { nudge: () => undefined };

let t: TestDatabase;
const apis: RunningApi[] = [];

async function appWith(env: Record<string, string>, deps: Parameters<typeof startApp>[2] = {}) {
  const api = await startApp(loadConfig({ DATABASE_URL: t.url, ...env }), t.store, { nudger: quiet, ...deps });
  apis.push(api);
  return api;
}

beforeAll(async () => {
  t = await createTestDatabase('api_limits');
});

afterAll(async () => {
  for (const api of apis) await api.close();
  await t?.drop();
});

describe('TokenBuckets', () => {
  it('grants a burst, then one request per 1/rate, telling how long to wait', async () => {
    const clock = new FakeClock();
    const buckets = new TokenBuckets(2, 3, clock);

    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(500);
    await clock.advance(499);
    expect(buckets.take('a')).toBe(1);
    await clock.advance(1);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(500);
  });

  it('keeps one bucket per client, refilled to the burst and no further', async () => {
    const clock = new FakeClock();
    const buckets = new TokenBuckets(10, 2, clock);

    expect([buckets.take('a'), buckets.take('a'), buckets.take('b')]).toEqual([0, 0, 0]);
    await clock.advance(60_000);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 100]);
  });

  it('holds at most maxClients buckets, forgetting the least recently used', () => {
    const buckets = new TokenBuckets(1, 1, new FakeClock(), 3);

    for (const client of ['a', 'b', 'c', 'a', 'd']) buckets.take(client);

    expect(buckets.size).toBe(3);
    expect(buckets.take('a')).toBeGreaterThan(0); // still known: it was used after b
    expect(buckets.take('b')).toBe(0); // forgotten, so full again
  });
});

describe('RATE_LIMIT_PER_SECOND with API keys', () => {
  let api: RunningApi;
  const clock = new FakeClock();

  beforeAll(async () => {
    api = await appWith(
      { API_KEYS: `${KEY_A},${KEY_B}`, RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' },
      { clock },
    );
  });

  it('answers the request over the burst with 429 rate_limited and Retry-After, and writes nothing', async () => {
    expect((await api.http().get('/timers').set(bearer(KEY_A))).status).toBe(200);
    expect((await api.http().get('/timers').set(bearer(KEY_A))).status).toBe(200);
    const before = await countTimers(t.db);

    const res = await rawRequest(api.port, {
      method: 'POST',
      path: '/timers',
      headers: { ...bearer(KEY_A), 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify({ seconds: 60, url: HOOK_URL })),
    });

    expectError(res, 429, 'rate_limited');
    expect(res.headers['retry-after']).toBe('1');
    expect(await countTimers(t.db)).toBe(before);
  });

  it('limits each key on its own, and refills with time', async () => {
    expect((await api.http().get('/timers').set(bearer(KEY_B))).status).toBe(200);
    expect((await api.http().get('/timers').set(bearer(KEY_A))).status).toBe(429);

    await clock.advance(1000);

    expect((await api.http().get('/timers').set(bearer(KEY_A))).status).toBe(200);
    expect((await api.http().get('/timers').set(bearer(KEY_A))).status).toBe(429);
  });

  it("does not let callers without a valid key spend a key's budget", async () => {
    await clock.advance(10_000);
    for (let i = 0; i < 5; i++) {
      expect((await api.http().get('/timers').set(bearer('not-a-key-0123456789'))).status).toBe(401);
    }

    expect((await api.http().get('/timers').set(bearer(KEY_A))).status).toBe(200);
  });

  it('never limits health, readiness, metrics or docs', async () => {
    for (let i = 0; i < 5; i++) {
      for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
        expect((await api.http().get(path)).status).toBe(200);
      }
    }
  });

  it('documents the 429 on every /timers operation', async () => {
    const { body: document } = await api.http().get('/openapi.json');

    expect(document.paths['/timers'].get.responses['429'].description).toContain('rate_limited');
    expect(document.paths['/timers/{id}'].delete.responses['429'].headers).toHaveProperty('Retry-After');
  });
});

describe('RATE_LIMIT_PER_SECOND without API keys', () => {
  it('limits each client address; behind TRUST_PROXY_HOPS=1 the address is the one the proxy forwards', async () => {
    const clock = new FakeClock();
    const direct = await appWith({ RATE_LIMIT_PER_SECOND: '1' }, { clock });
    const proxied = await appWith({ RATE_LIMIT_PER_SECOND: '1', TRUST_PROXY_HOPS: '1' }, { clock });
    const from = (ip: string) => ({ 'X-Forwarded-For': ip });

    expect((await direct.http().get('/timers').set(from('203.0.113.1'))).status).toBe(200);
    expect((await direct.http().get('/timers').set(from('203.0.113.2'))).status).toBe(429);

    expect((await proxied.http().get('/timers').set(from('203.0.113.1'))).status).toBe(200);
    expect((await proxied.http().get('/timers').set(from('203.0.113.2'))).status).toBe(200);
    expect((await proxied.http().get('/timers').set(from('203.0.113.1'))).status).toBe(429);
  });
});

describe('MAX_PENDING_PER_KEY', () => {
  let api: RunningApi;
  const host = new FakeClock(Date.now());

  beforeAll(async () => {
    // From here on, a key in the table: the api asks every caller for a key.
    const digest = createHash('sha256').update(KEY_B).digest('hex');
    await t.store.tenants.addKey({ id: `key_${digest.slice(0, 16)}`, digest, tenant: 'other', scope: 'write' });
    await t.db.raw('DELETE FROM timers');
    api = await appWith({ API_KEYS: KEY_A, MAX_PENDING_PER_KEY: '2' }, { dbClock: new DbClock(host) });
  });

  const create = (key: string, seconds = 60) =>
    api.http().post('/timers').set(bearer(key)).send({ seconds, url: HOOK_URL });
  let firstOfA: string;

  it('refuses the timer over the cap with 429 pending_quota_exceeded and writes nothing', async () => {
    const first = await create(KEY_A);
    expect(first.status).toBe(201);
    firstOfA = first.body.id;
    expect((await create(KEY_A)).status).toBe(201);
    const before = await countTimers(t.db);

    const res = await create(KEY_A);

    expectError(res, 429, 'pending_quota_exceeded');
    expect(res.headers['retry-after']).toBeUndefined();
    expect(await countTimers(t.db)).toBe(before);
  });

  it('counts each tenant on its own', async () => {
    expect((await create(KEY_B)).status).toBe(201);
  });

  it('holds across api replicas: another app on the same database sees the same count', async () => {
    const replica = await appWith({ API_KEYS: KEY_A, MAX_PENDING_PER_KEY: '2' });
    const res = await replica.http().post('/timers').set(bearer(KEY_A)).send({ seconds: 60, url: HOOK_URL });
    expectError(res, 429, 'pending_quota_exceeded');
  });

  it('frees a place when a timer is canceled', async () => {
    expect((await api.http().delete(`/timers/${firstOfA}`).set(bearer(KEY_A))).status).toBe(200);

    expect((await create(KEY_A)).status).toBe(201);
    expect((await create(KEY_A)).status).toBe(429);
  });

  it('frees the places of timers once they have fired', async () => {
    // Both counts see it: the local one by fire_at, one in the store by status.
    await host.advance(60_001);
    await t.db.raw("UPDATE timers SET status = 'fired', fired_at = NOW(3), due_at = NULL WHERE status = 'pending'");

    expect((await create(KEY_A)).status).toBe(201);
    expect((await create(KEY_A)).status).toBe(201);
    expect((await create(KEY_A)).status).toBe(429);
  });

  it('documents the 429 on POST /timers', async () => {
    const { body: document } = await api.http().get('/openapi.json');

    expect(document.paths['/timers'].post.responses['429'].description).toContain('pending_quota_exceeded');
    expect(document.paths['/timers'].get.responses['429']).toBeUndefined();
  });
});

describe("schedules count toward a key's limits", () => {
  const schedule = (api: RunningApi, key: string, cron = '*/5 * * * *') =>
    api.http().post('/schedules').set(bearer(key)).send({ cron, url: HOOK_URL });
  const countSchedules = async () => {
    const [rows] = (await t.db.raw('SELECT COUNT(*) AS n FROM schedules')) as unknown as [Array<{ n: number }>];
    return Number(rows[0].n);
  };

  beforeEach(async () => {
    await t.db.raw('DELETE FROM schedules');
    await t.db.raw('DELETE FROM timers');
  });

  it('MAX_SCHEDULES_PER_KEY refuses the schedule over the cap with 429, writes nothing, and frees a place on delete', async () => {
    const api = await appWith({ API_KEYS: KEY_A, MAX_SCHEDULES_PER_KEY: '2' });
    const first = await schedule(api, KEY_A);
    expect(first.status).toBe(201);
    expect((await schedule(api, KEY_A)).status).toBe(201);

    const res = await schedule(api, KEY_A);

    expectError(res, 429, 'schedule_quota_exceeded');
    expect(res.body.error.message).toContain('MAX_SCHEDULES_PER_KEY');
    expect(await countSchedules()).toBe(2);
    expect((await schedule(api, KEY_B)).status).toBe(201);
    expect((await api.http().delete(`/schedules/${first.body.id}`).set(bearer(KEY_A))).status).toBe(204);
    expect((await schedule(api, KEY_A)).status).toBe(201);
  });

  it('a key at its MAX_PENDING_PER_KEY cap cannot add a schedule', async () => {
    const api = await appWith({ API_KEYS: KEY_A, MAX_PENDING_PER_KEY: '2' });
    for (let i = 0; i < 2; i++) {
      expect((await api.http().post('/timers').set(bearer(KEY_A)).send({ seconds: 60, url: HOOK_URL })).status).toBe(
        201,
      );
    }

    expectError(await schedule(api, KEY_A), 429, 'pending_quota_exceeded');
    expect(await countSchedules()).toBe(0);
    expect((await schedule(api, KEY_B)).status).toBe(201);
  });

  it('MIN_SCHEDULE_INTERVAL_SECONDS refuses a rule that fires more often, naming the setting', async () => {
    const api = await appWith({ API_KEYS: KEY_A, MIN_SCHEDULE_INTERVAL_SECONDS: '60' });

    for (const cron of ['* * * * * *', '*/30 * * * * *', '0,1 * * * * *', '0,30 0 12 * * *']) {
      const res = await schedule(api, KEY_A, cron);
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.message).toContain('MIN_SCHEDULE_INTERVAL_SECONDS');
    }
    expect(await countSchedules()).toBe(0);
    for (const cron of ['* * * * *', '0 9 * * 1', '@hourly'])
      expect((await schedule(api, KEY_A, cron)).status).toBe(201);
  });

  it('documents both 429s on POST /schedules when the caps are set', async () => {
    const api = await appWith({ API_KEYS: KEY_A, MAX_PENDING_PER_KEY: '5', MAX_SCHEDULES_PER_KEY: '5' });
    const { body: document } = await api.http().get('/openapi.json');
    const description = document.paths['/schedules'].post.responses['429'].description as string;
    expect(description).toContain('pending_quota_exceeded');
    expect(description).toContain('schedule_quota_exceeded');
  });
});

describe('pending quotas, unit by unit', () => {
  it('LocalPendingQuota gives the place back when the insert fails', async () => {
    const quota = new LocalPendingQuota(1, new FakeClock());
    const failing = { timers: { create: () => Promise.reject(new Error('insert failed')) } };
    const service = new TimerService({
      store: failing as never,
      logger: { isDebugEnabled: () => false } as never,
      metrics: new Metrics({ processMetrics: false }),
      dbClock: new FakeClock(),
      nudger: quiet,
      targets: new WebhookTargets({ policy: { mode: 'any', allowedPorts: [] }, requireDns: false }),
      quota,
      maxDelaySeconds: 3600,
      maxPayloadBytes: 65536,
      nudgeWithinMs: 0,
      limits: { maxBatchSize: 1000, maxCancelPerCall: 1000 },
    });

    await expect(service.create({ seconds: 60, url: HOOK_URL }, { owner: 'k', tenant: 'default' })).rejects.toThrow(
      'insert failed',
    );

    await expect(quota.admit('k', [{ id: 'x', fireAt: new Date('2031-01-01') }])).resolves.toBeUndefined();
  });

  it("TenantQuota asks the store how many live timers the tenant has, against the tenant's own cap", async () => {
    const asked: string[] = [];
    const quota = new TenantQuota({
      counter: {
        countLiveOfTenant: async (tenant) => {
          asked.push(tenant);
          return 5;
        },
      },
      settings: {
        quotasOf: async (tenant) => ({ maxPending: tenant === 'roomy' ? 6 : 5, createsPerSecond: 0 }),
      },
    });

    const one = [{ id: 'x', fireAt: new Date('2031-01-01') }];
    await expect(quota.admit('roomy', one)).resolves.toBeUndefined();
    await expect(quota.admit('full', one)).rejects.toMatchObject({ code: 'pending_quota_exceeded', status: 429 });
    // A batch counts as its size: 4 live + 2 passes a cap of 5.
    await expect(quota.admit('roomy', [...one, ...one])).rejects.toMatchObject({ code: 'pending_quota_exceeded' });
    expect(asked).toEqual(['roomy', 'full', 'roomy']);
  });
});
