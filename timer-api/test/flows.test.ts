/**
 * /flows over HTTP, against the real app on both databases: limits are set and
 * read back, bad input is refused with a clear error and changes nothing, a flow
 * belongs to the tenant of the key that set it (a key of another tenant can
 * neither see, change nor pause it; an admin key without X-Tenant reads any),
 * and a timer shows its flow and why it waits.
 */
import { originOf } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp } from './support';

const KEY_A = 'tenant-a-key-0123456789abcdef';
const ADMIN = 'flows-admin-key-0123456789abcdef';
const ORIGIN = encodeURIComponent(originOf(HOOK_URL)!);

describe.each(DIALECTS)('flows on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;
  /** A write key of the tenant `globex` (KEY_A and ADMIN are the default tenant's). */
  let keyB: string;
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    t = await createTestDatabase('api_flows', { API_KEYS: KEY_A, ADMIN_API_KEYS: ADMIN }, dialect);
    api = await startApp(t.config, t.store);
    const made = await api.http().post('/admin/keys').set(as(ADMIN)).send({ tenant: 'globex', scope: 'write' });
    expect(made.status).toBe(201);
    keyB = made.body.key as string;
  });

  afterAll(async () => {
    await api.close();
    await t.drop();
  });

  it('PUT sets the limits and GET reads them back, with what the flow is doing', async () => {
    const put = await api.http().put(`/flows/${ORIGIN}`).set(as(KEY_A)).send({ parallelism: 5, rate: 50 });

    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      key: originOf(HOOK_URL),
      parallelism: 5,
      rate: 50,
      burst: null,
      paused: false,
      waiting: 0,
      in_flight: 0,
    });
    const get = await api.http().get(`/flows/${ORIGIN}`).set(as(KEY_A));
    expect(get.status).toBe(200);
    expect(get.body).toEqual(put.body);
  });

  it('PUT replaces the whole set: an omitted limit is no limit', async () => {
    await api.http().put('/flows/billing').set(as(KEY_A)).send({ parallelism: 2, rate: 10, burst: 3 });
    const res = await api.http().put('/flows/billing').set(as(KEY_A)).send({ rate: 1 });

    expect(res.body).toMatchObject({ parallelism: null, rate: 1, burst: null });
  });

  it.each([
    [{ parallelism: 0 }, 'parallelism'],
    [{ parallelism: 1.5 }, 'parallelism'],
    [{ rate: 0 }, 'rate'],
    [{ rate: -1 }, 'rate'],
    [{ burst: 5 }, 'burst'],
    [{ speed: 3 }, 'speed'],
  ])('refuses %j with a 400 naming %s, and stores nothing', async (body, path) => {
    const res = await api.http().put('/flows/refused').set(as(KEY_A)).send(body);

    expectError(res, 400, 'validation_failed');
    expect(JSON.stringify(res.body.error.details)).toContain(path);
    expectError(await api.http().get('/flows/refused').set(as(KEY_A)), 404, 'flow_not_found');
  });

  it('refuses a key with a space in it', async () => {
    const res = await api.http().put('/flows/has%20space').set(as(KEY_A)).send({ rate: 1 });

    expectError(res, 400, 'validation_failed');
  });

  it("keeps a tenant's flow its own: a key of another tenant cannot see, change or pause it", async () => {
    await api.http().put('/flows/shared-name').set(as(KEY_A)).send({ parallelism: 3 });

    expectError(await api.http().get('/flows/shared-name').set(as(keyB)), 404, 'flow_not_found');
    expectError(await api.http().post('/flows/shared-name/resume').set(as(keyB)), 404, 'flow_not_found');
    // B's PUT and pause make globex's own flow of that name; the default tenant's stays as it was.
    await api.http().put('/flows/shared-name').set(as(keyB)).send({ parallelism: 9 });
    await api.http().post('/flows/shared-name/pause').set(as(keyB));

    const a = await api.http().get('/flows/shared-name').set(as(KEY_A));
    expect(a.body).toMatchObject({ parallelism: 3, paused: false });
    const b = await api.http().get('/flows/shared-name').set(as(keyB));
    expect(b.body).toMatchObject({ parallelism: 9, paused: true });
    // The same tenant's other keys share its flows: the admin key is the default tenant's.
    const admin = await api.http().get('/flows/shared-name').set(as(ADMIN));
    expect(admin.body).toMatchObject({ parallelism: 3 });
  });

  it("an admin key reads another tenant's flow with X-Tenant, and any tenant's without it", async () => {
    await api.http().put('/flows/globex-only').set(as(keyB)).send({ rate: 7 });

    expectError(await api.http().get('/flows/globex-only').set(as(KEY_A)), 404, 'flow_not_found');
    const named = await api.http().get('/flows/shared-name').set(as(ADMIN)).set('X-Tenant', 'globex');
    expect(named.body).toMatchObject({ parallelism: 9, paused: true });
    const any = await api.http().get('/flows/globex-only').set(as(ADMIN));
    expect(any.status).toBe(200);
    expect(any.body).toMatchObject({ key: 'globex-only', rate: 7 });
    // A write goes to one tenant: without X-Tenant, the admin key's own.
    expectError(await api.http().post('/flows/globex-only/resume').set(as(ADMIN)), 404, 'flow_not_found');
  });

  it('pause creates the flow if needed and resume lifts it; resume of an unknown flow is a 404', async () => {
    const paused = await api.http().post('/flows/new-one/pause').set(as(KEY_A));
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ key: 'new-one', paused: true, parallelism: null, rate: null });

    const resumed = await api.http().post('/flows/new-one/resume').set(as(KEY_A));
    expect(resumed.body).toMatchObject({ paused: false });
    expectError(await api.http().post('/flows/never-set/resume').set(as(KEY_A)), 404, 'flow_not_found');
  });

  it('a timer names its flow, or belongs to its origin', async () => {
    const named = await api
      .http()
      .post('/timers')
      .set(as(KEY_A))
      .send({ seconds: 60, url: HOOK_URL, flow_key: 'billing' });
    const plain = await api.http().post('/timers').set(as(KEY_A)).send({ seconds: 60, url: 'http://Example.com/x' });

    expect(named.body).toMatchObject({ flow_key: 'billing', waiting: null });
    expect(plain.body).toMatchObject({ flow_key: 'http://example.com:80', waiting: null });
    expectError(
      await api.http().post('/timers').set(as(KEY_A)).send({ seconds: 1, url: HOOK_URL, flow_key: 'a b' }),
      400,
      'validation_failed',
    );
  });

  it("an origin's flow shows its open breaker, and a due timer to it says it waits for the breaker", async () => {
    const url = 'http://down.example/hooks';
    const origin = originOf(url)!;
    await api
      .http()
      .put(`/flows/${encodeURIComponent(origin)}`)
      .set(as(KEY_A))
      .send({ parallelism: 10 });
    for (let i = 0; i < 5; i++) await t.store.flows.failed(origin, { threshold: 5, openMs: 60_000 });
    const created = await api.http().post('/timers').set(as(KEY_A)).send({ seconds: 0, url });

    const flow = await api
      .http()
      .get(`/flows/${encodeURIComponent(origin)}`)
      .set(as(KEY_A));
    expect(flow.body.origin).toMatchObject({ state: 'breaker' });
    const timer = await api.http().get(`/timers/${created.body.id}`).set(as(KEY_A));
    expect(timer.body).toMatchObject({ status: 'pending', waiting: 'breaker' });
    const listed = await api.http().get('/flows').set(as(KEY_A));
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ key: origin, origin: expect.objectContaining({ state: 'breaker' }) }),
    );
    const healthy = await api.http().get(`/flows/${ORIGIN}`).set(as(KEY_A));
    expect(healthy.body.origin).toBeNull();
    await api.http().delete(`/timers/${created.body.id}`).set(as(KEY_A)); // not due for the next test's claim
  });

  it('a parked timer of a paused flow says it waits for the resume', async () => {
    await api.http().post('/flows/waits/pause').set(as(KEY_A));
    const created = await api
      .http()
      .post('/timers')
      .set(as(KEY_A))
      .send({ seconds: 0, url: HOOK_URL, flow_key: 'waits' });
    const [flow] = await t.store.flows.list().then((all) => all.filter((f) => f.key === 'waits'));
    const parked = await t.store.claims.claimDueParking(
      { owner: 'ctl-test', limit: 10, leaseMs: 30_000, lookaheadMs: 0 },
      {
        flowOf: (tenant, key) => (tenant === 'default' && key === 'waits' ? flow.id : undefined),
        blockOf: () => undefined,
        probeMs: 1000,
      },
    );
    expect(parked).toEqual({ timers: [], parked: 1 });

    const res = await api.http().get(`/timers/${created.body.id}`).set(as(KEY_A));
    expect(res.body).toMatchObject({ status: 'pending', waiting: 'paused' });
    const flowView = await api.http().get('/flows/waits').set(as(KEY_A));
    expect(flowView.body).toMatchObject({ paused: true, waiting: 1 });
  });
  it('DELETE lets the timers of a paused flow go again, and the flow is gone', async () => {
    await api.http().post('/flows/deleted-one/pause').set(as(KEY_A));
    const created = await api
      .http()
      .post('/timers')
      .set(as(KEY_A))
      .send({ seconds: 0, url: HOOK_URL, flow_key: 'deleted-one' });
    const [flow] = await t.store.flows.list().then((all) => all.filter((f) => f.key === 'deleted-one'));
    const gate = {
      flowOf: (tenant: string, key: string) => (tenant === 'default' && key === 'deleted-one' ? flow.id : undefined),
      blockOf: () => undefined,
      probeMs: 1000,
    };
    const lease = { owner: 'ctl-test', limit: 10, leaseMs: 30_000, lookaheadMs: 0 };
    expect(await t.store.claims.claimDueParking(lease, gate)).toEqual({ timers: [], parked: 1 });

    const res = await api.http().delete('/flows/deleted-one').set(as(KEY_A));

    expect(res.status).toBe(204);
    expectError(await api.http().get('/flows/deleted-one').set(as(KEY_A)), 404, 'flow_not_found');
    const timer = await api.http().get(`/timers/${created.body.id}`).set(as(KEY_A));
    expect(timer.body).toMatchObject({ status: 'pending', waiting: null });
    const row = await t.db('timers').where({ id: created.body.id }).first();
    expect(row).toMatchObject({ flow_id: null, flow_due_at: null });
    expect(row.due_at).not.toBeNull();
    // The ordinary claim meets it again and takes it: it flows at full speed.
    const claimed = await t.store.claims.claimDue(lease);
    expect(claimed.map((c) => c.id)).toEqual([created.body.id]);
    expectError(await api.http().delete('/flows/deleted-one').set(as(KEY_A)), 404, 'flow_not_found');
  });

  it("tenant B cannot see, change, pause or delete tenant A's flow", async () => {
    await api.http().put('/flows/a-private').set(as(KEY_A)).send({ parallelism: 4 });

    expectError(await api.http().get('/flows/a-private').set(as(keyB)), 404, 'flow_not_found');
    expectError(await api.http().delete('/flows/a-private').set(as(keyB)), 404, 'flow_not_found');
    expectError(await api.http().post('/flows/a-private/resume').set(as(keyB)), 404, 'flow_not_found');
    await api.http().put('/flows/a-private').set(as(keyB)).send({ parallelism: 1 });
    await api.http().post('/flows/a-private/pause').set(as(keyB));
    const listB = await api.http().get('/flows').set(as(keyB));
    expect(listB.body.items.every((f: { tenant: string }) => f.tenant === 'globex')).toBe(true);
    await api.http().delete('/flows/a-private').set(as(keyB)); // B's own, of the same name

    const a = await api.http().get('/flows/a-private').set(as(KEY_A));
    expect(a.body).toMatchObject({ tenant: 'default', parallelism: 4, paused: false });
    const listA = await api.http().get('/flows').set(as(KEY_A));
    expect(listA.status).toBe(200);
    expect(listA.body.items.map((f: { key: string }) => f.key)).toContain('a-private');
    expect(listA.body.items.every((f: { tenant: string }) => f.tenant === 'default')).toBe(true);
  });

  it("an admin key lists every tenant's flows, naming the tenant, and sets, pauses and deletes one with X-Tenant", async () => {
    const put = await api.http().put('/flows/admin-set').set(as(ADMIN)).set('X-Tenant', 'globex').send({ rate: 3 });
    expect(put.body).toMatchObject({ key: 'admin-set', tenant: 'globex', default: false, rate: 3 });
    const paused = await api.http().post('/flows/admin-set/pause').set(as(ADMIN)).set('X-Tenant', 'globex');
    expect(paused.body).toMatchObject({ tenant: 'globex', paused: true });
    expect((await api.http().get('/flows/admin-set').set(as(keyB))).body).toMatchObject({ rate: 3, paused: true });
    await api.http().put('/flows/admin-set').set(as(KEY_A)).send({ parallelism: 2 });

    const all = await api.http().get('/flows').set(as(ADMIN));
    const mine = await api.http().get('/flows').set(as(ADMIN)).set('X-Tenant', 'globex');

    const named = (res: { body: { items: { key: string; tenant: string }[] } }) =>
      res.body.items.filter((f) => f.key === 'admin-set').map((f) => f.tenant);
    expect(named(all)).toEqual(['default', 'globex']);
    expect(named(mine)).toEqual(['globex']);
    expect(await api.http().delete('/flows/admin-set').set(as(ADMIN)).set('X-Tenant', 'globex')).toMatchObject({
      status: 204,
    });
    expectError(await api.http().get('/flows/admin-set').set(as(keyB)), 404, 'flow_not_found');
    expect((await api.http().get('/flows/admin-set').set(as(KEY_A))).body).toMatchObject({ parallelism: 2 });
  });
  it('an origin default of FLOW_DEFAULTS: an admin key sees it, a tenant key only its own flows', async () => {
    const origin = 'https://defaulted.example:443';
    const path = `/flows/${encodeURIComponent(origin)}`;
    const defaults = [{ origin, limits: { parallelism: 2, rate: null, burst: null } }];
    expect(await t.store.flows.syncDefaults(defaults)).toEqual({ written: [origin], removed: [] });
    expect(await t.store.flows.syncDefaults(defaults)).toEqual({ written: [], removed: [] });

    const all = await api.http().get('/flows').set(as(ADMIN));
    expect(all.body.items).toContainEqual(
      expect.objectContaining({ key: origin, tenant: null, default: true, parallelism: 2 }),
    );
    expect((await api.http().get(path).set(as(ADMIN))).body).toMatchObject({ tenant: null, default: true });
    const own = await api.http().get('/flows').set(as(KEY_A));
    expect(own.body.items.some((f: { default: boolean }) => f.default)).toBe(false);
    expectError(await api.http().get(path).set(as(KEY_A)), 404, 'flow_not_found');
    expectError(await api.http().delete(path).set(as(KEY_A)), 404, 'flow_not_found');
    // A tenant pausing the origin makes its own flow, with the default's limits.
    const paused = await api.http().post(`${path}/pause`).set(as(keyB));
    expect(paused.body).toMatchObject({ tenant: 'globex', default: false, paused: true, parallelism: 2 });

    expect(await t.store.flows.syncDefaults([])).toEqual({ written: [], removed: [origin] });
    const after = await api.http().get('/flows').set(as(ADMIN));
    expect(after.body.items.filter((f: { key: string }) => f.key === origin)).toEqual([
      expect.objectContaining({ tenant: 'globex' }),
    ]);
  });
});
