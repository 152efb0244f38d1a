/**
 * Quotas per tenant, counted across the fleet: pending timers (the tenant's
 * max_pending, else MAX_PENDING_PER_KEY) and creates per second (its
 * creates_per_second, else CREATES_PER_SECOND), set through PATCH
 * /admin/tenants/{name}. A create over either is a 429 that writes nothing.
 * Time is a FakeClock (host and database clock alike): nothing here sleeps.
 */
import { randomBytes } from 'node:crypto';
import { createSilentLogger, DbClock, loadConfig, select } from '@timer/shared';
import { FakeClock } from '../../test/helpers/fakeClock';
import { countTimers, createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { CreateRate } from '../src/domain/createRate';
import { expectError, HOOK_URL, RunningApi, startApp } from './support';

const ADMIN = `admin-${randomBytes(16).toString('hex')}`;
const admin = { Authorization: `Bearer ${ADMIN}` };
const keys: Record<string, string> = {};
const as = (tenant: string) => ({ Authorization: `Bearer ${keys[tenant]}` });

let t: TestDatabase;
let api: RunningApi;
const clock = new FakeClock(Date.UTC(2026, 11, 7, 12, 0, 0));

beforeAll(async () => {
  t = await createTestDatabase('tenant_quotas');
  const config = loadConfig({
    DATABASE_URL: t.url,
    ADMIN_API_KEYS: ADMIN,
    MAX_PENDING_PER_KEY: '3',
    CREATES_PER_SECOND: '2',
  });
  api = await startApp(config, t.store, { clock, dbClock: new DbClock(clock), nudger: { nudge: () => undefined } });
  for (const tenant of ['acme', 'globex']) {
    const res = await api.http().post('/admin/keys').set(admin).send({ tenant, scope: 'write' });
    keys[tenant] = (res.body as { key: string }).key;
  }
});

afterAll(async () => {
  await api?.close();
  await t?.drop();
});

const create = (tenant: string) => api.http().post('/timers').set(as(tenant)).send({ seconds: 600, url: HOOK_URL });

describe('creates per second', () => {
  it('refuses the create over CREATES_PER_SECOND with 429 and Retry-After, writes nothing, and allows more next second', async () => {
    await clock.advance(1000);
    expect((await create('acme')).status).toBe(201);
    expect((await create('acme')).status).toBe(201);
    const before = await countTimers(t.db);

    const res = await create('acme');

    expectError(res, 429, 'create_rate_exceeded');
    expect(res.headers['retry-after']).toBe('1');
    expect(await countTimers(t.db)).toBe(before);
    expect((await create('globex')).status).toBe(201);
    await clock.advance(1000);
    expect((await create('acme')).status).toBe(201);
  });

  it('counts across api processes: each writes only its own row, and reads the others', async () => {
    const logger = createSilentLogger();
    const rateClock = new FakeClock(Date.UTC(2026, 11, 7, 13, 0, 0));
    const deps = { tenants: t.store.tenants, dbClock: rateClock, clock: rateClock, logger };
    const a = new CreateRate({ ...deps, apiId: 'api-a' });
    const b = new CreateRate({ ...deps, apiId: 'api-b' });

    a.admit('initech', 3);
    a.admit('initech', 3);
    await a.sync();
    b.admit('initech', 3);
    await b.sync();

    expect(() => b.admit('initech', 3)).toThrow(expect.objectContaining({ code: 'create_rate_exceeded' }));
    await a.sync();
    expect(() => a.admit('initech', 3)).toThrow(expect.objectContaining({ code: 'create_rate_exceeded' }));
    const rows = await select<{ api_id: string; creates: number }>(
      t.db,
      10_000,
      "SELECT api_id, creates FROM tenant_creates WHERE tenant = 'initech' ORDER BY api_id",
    );
    expect(rows.map((r) => [r.api_id, Number(r.creates)])).toEqual([
      ['api-a', 2],
      ['api-b', 1],
    ]);

    // A new second: until it has read the others, each process allows its share (3 over 2 processes: 2).
    await rateClock.advance(1000);
    a.admit('initech', 3);
    a.admit('initech', 3);
    expect(() => a.admit('initech', 3)).toThrow(expect.objectContaining({ code: 'create_rate_exceeded' }));
    await a.stop();
    await b.stop();
  });
});

describe('pending timers', () => {
  beforeAll(async () => {
    await t.db.raw('DELETE FROM timers');
  });

  it("caps a tenant's pending timers at MAX_PENDING_PER_KEY, each tenant on its own", async () => {
    for (let i = 0; i < 3; i++) {
      await clock.advance(1000);
      expect((await create('acme')).status).toBe(201);
    }
    await clock.advance(1000);
    expectError(await create('acme'), 429, 'pending_quota_exceeded');
    expect((await create('globex')).status).toBe(201);
  });

  it("holds the tenant's own quotas set with PATCH /admin/tenants/{name} on every replica within 5 s", async () => {
    const set = await api
      .http()
      .patch('/admin/tenants/acme')
      .set(admin)
      .send({ max_pending: 5, creates_per_second: 1 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ name: 'acme', max_pending: 5, creates_per_second: 1 });
    await clock.advance(5000);
    await create('acme'); // the first request after the bound waits for the reload
    expect(await countTimers(t.db, "tenant = 'acme'")).toBe(4);

    expectError(await create('acme'), 429, 'create_rate_exceeded');
    await clock.advance(1000);
    expect((await create('acme')).status).toBe(201);
    await clock.advance(1000);
    expectError(await create('acme'), 429, 'pending_quota_exceeded');

    const back = await api.http().patch('/admin/tenants/acme').set(admin).send({ max_pending: null });
    expect(back.body).toMatchObject({ max_pending: null, creates_per_second: 1 });
  });

  it('refuses a quota that is not a whole number, and an unknown tenant, changing nothing', async () => {
    expectError(
      await api.http().patch('/admin/tenants/acme').set(admin).send({ max_pending: -1 }),
      400,
      'validation_failed',
    );
    expectError(await api.http().patch('/admin/tenants/acme').set(admin).send({ burst: 5 }), 400, 'validation_failed');
    expectError(
      await api.http().patch('/admin/tenants/nobody').set(admin).send({ max_pending: 5 }),
      404,
      'tenant_not_found',
    );
    expectError(
      await api.http().patch('/admin/tenants/acme').set(as('acme')).send({ max_pending: 500 }),
      403,
      'insufficient_scope',
    );
    expect((await t.store.tenants.find('acme'))?.maxPending).toBeNull();
  });
});
