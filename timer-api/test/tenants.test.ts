/**
 * Tenants: a key sees and changes only its own tenant's timers, schedules,
 * attempts and dashboard data. Another tenant's id answers 404 exactly as an
 * unknown id does; a missing scope answers 403 whatever the id. The access matrix
 * runs every id route and method with keys of another tenant, then a fuzzed one
 * throws random routes × keys of three tenants × ids of all of them.
 */
import fc from 'fast-check';
import { loadConfig, Scope } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { makeApiKey } from '../src/domain/keyMaking';
import { expectError, HOOK_URL, RunningApi, startApp } from './support';

const ADMIN = 'admin-key-0123456789abcdef';
const TENANTS = ['acme', 'globex', 'initech'] as const;
type Tenant = (typeof TENANTS)[number];
const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

let t: TestDatabase;
let api: RunningApi;
const keys = {} as Record<Tenant, Record<'read' | 'write', string>>;
/** Per tenant: a pending timer, a failed timer and a schedule. */
const owned = {} as Record<Tenant, { timer: string; failed: string; schedule: string }>;

async function addKey(tenant: string, scope: Scope): Promise<string> {
  const made = makeApiKey();
  await t.store.tenants.addKey({ id: made.id, digest: made.digest, tenant, scope });
  return made.key;
}

const as = (key: string) => ({ Authorization: `Bearer ${key}` });

beforeAll(async () => {
  t = await createTestDatabase('api_tenants');
  for (const tenant of TENANTS)
    keys[tenant] = { read: await addKey(tenant, 'read'), write: await addKey(tenant, 'write') };
  api = await startApp(loadConfig({ DATABASE_URL: t.url, ADMIN_API_KEYS: ADMIN }), t.store);
  for (const tenant of TENANTS) {
    const key = as(keys[tenant].write);
    const timer = await api.http().post('/timers').set(key).send({ seconds: 3600, url: HOOK_URL });
    const failed = await api.http().post('/timers').set(key).send({ seconds: 3600, url: HOOK_URL });
    const schedule = await api.http().post('/schedules').set(key).send({ cron: '0 * * * *', url: HOOK_URL });
    expect([timer.status, failed.status, schedule.status]).toEqual([201, 201, 201]);
    await t.db.raw("UPDATE timers SET status = 'failed', due_at = NULL WHERE id = ?", [failed.body.id]);
    owned[tenant] = { timer: timer.body.id, failed: failed.body.id, schedule: schedule.body.id };
  }
});

afterAll(async () => {
  await api?.close();
  await t?.drop();
});

interface Route {
  method: 'get' | 'post' | 'patch' | 'delete';
  body?: object;
  path: (o: (typeof owned)[Tenant]) => string;
  scope: 'read' | 'write';
  /** Changes nothing that a later request of the owner could miss (no delete of the row). */
  keepsRow: boolean;
}

const ROUTES: Route[] = [
  { method: 'get', path: (o) => `/timers/${o.timer}`, scope: 'read', keepsRow: true },
  { method: 'get', path: (o) => `/timers/${o.failed}/attempts`, scope: 'read', keepsRow: true },
  { method: 'patch', path: (o) => `/timers/${o.timer}`, body: { minutes: 30 }, scope: 'write', keepsRow: true },
  { method: 'delete', path: (o) => `/timers/${o.timer}`, scope: 'write', keepsRow: true },
  { method: 'post', path: (o) => `/timers/${o.failed}/retry`, scope: 'write', keepsRow: true },
  { method: 'get', path: (o) => `/schedules/${o.schedule}`, scope: 'read', keepsRow: true },
  { method: 'post', path: (o) => `/schedules/${o.schedule}/pause`, scope: 'write', keepsRow: true },
  { method: 'post', path: (o) => `/schedules/${o.schedule}/resume`, scope: 'write', keepsRow: true },
  {
    method: 'patch',
    path: (o) => `/schedules/${o.schedule}`,
    body: { url: 'https://example.com/changed' },
    scope: 'write',
    keepsRow: true,
  },
  { method: 'delete', path: (o) => `/schedules/${o.schedule}`, scope: 'write', keepsRow: false },
];

const name = (r: Route) =>
  `${r.method.toUpperCase()} ${r.path({ timer: '{timer}', failed: '{failed}', schedule: '{schedule}' })}`;

function send(route: Route, path: string, key: string) {
  const req = api.http()[route.method](path).set(as(key));
  return route.body ? req.send(route.body) : req;
}

async function rowsOf(tenant: Tenant) {
  const [timer] = (await t.db.raw('SELECT status FROM timers WHERE id = ?', [owned[tenant].timer]))[0];
  const [failed] = (await t.db.raw('SELECT status FROM timers WHERE id = ?', [owned[tenant].failed]))[0];
  const [schedule] = (await t.db.raw('SELECT paused FROM schedules WHERE id = ?', [owned[tenant].schedule]))[0];
  return { timer, failed, schedule };
}

describe('the access matrix: keys of globex on the timers and schedules of acme', () => {
  it.each(ROUTES.flatMap((route) => (['read', 'write'] as const).map((scope) => [name(route), scope, route] as const)))(
    '%s with a %s key: 404 as for an unknown id, or 403 for a missing scope; nothing changes',
    async (_name, scope, route) => {
      const before = await rowsOf('acme');
      const foreign = await send(route, route.path(owned.acme), keys.globex[scope]);
      const unknown = await send(
        route,
        route.path({ timer: UNKNOWN_ID, failed: UNKNOWN_ID, schedule: UNKNOWN_ID }),
        keys.globex[scope],
      );

      if (scope === 'read' && route.scope === 'write') {
        expectError(foreign, 403, 'insufficient_scope');
        expect(unknown.status).toBe(403);
      } else {
        expect(foreign.status).toBe(404);
        expect(foreign.body).toEqual(unknown.body);
      }
      expect(await rowsOf('acme')).toEqual(before);
    },
  );
});

describe('scopes', () => {
  it('a read key cannot create a timer or a schedule, and nothing is written', async () => {
    const [before] = (await t.db.raw("SELECT COUNT(*) AS n FROM timers WHERE tenant = 'acme'"))[0];
    const timer = await api.http().post('/timers').set(as(keys.acme.read)).send({ seconds: 1, url: HOOK_URL });
    const schedule = await api
      .http()
      .post('/schedules')
      .set(as(keys.acme.read))
      .send({ cron: '* * * * *', url: HOOK_URL });

    expectError(timer, 403, 'insufficient_scope');
    expectError(schedule, 403, 'insufficient_scope');
    const [after] = (await t.db.raw("SELECT COUNT(*) AS n FROM timers WHERE tenant = 'acme'"))[0];
    expect(after.n).toBe(before.n);
  });

  it('a read key reads its own tenant', async () => {
    const res = await api.http().get(`/timers/${owned.acme.timer}`).set(as(keys.acme.read));
    expect(res.status).toBe(200);
  });

  it('only an admin key manages keys, and only an admin key may name another tenant', async () => {
    expectError(await api.http().get('/admin/keys').set(as(keys.acme.write)), 403, 'insufficient_scope');
    expectError(
      await api.http().post('/admin/keys').set(as(keys.acme.write)).send({ tenant: 'acme', scope: 'admin' }),
      403,
      'insufficient_scope',
    );
    expectError(
      await api.http().get('/timers').set(as(keys.acme.write)).set('X-Tenant', 'globex'),
      403,
      'insufficient_scope',
    );
  });
});

describe('lists, counts and the dashboard', () => {
  it('list only the tenant’s own timers and schedules', async () => {
    for (const tenant of TENANTS) {
      const timers = await api.http().get('/timers?limit=100').set(as(keys[tenant].read));
      const schedules = await api.http().get('/schedules?limit=100').set(as(keys[tenant].read));
      const theirs = (await t.db.raw('SELECT id FROM timers WHERE tenant = ? ORDER BY id DESC', [tenant]))[0];

      expect(timers.body.items.map((i: { id: string }) => i.id)).toEqual(theirs.map((r: { id: string }) => r.id));
      expect(schedules.body.items.map((i: { id: string }) => i.id)).toEqual([owned[tenant].schedule]);
    }
  });

  it('the dashboard counts and shows only the tenant’s timers', async () => {
    const res = await api.http().get('/ui/api/overview').set(as(keys.globex.read));
    const [row] = (await t.db.raw("SELECT COUNT(*) AS n FROM timers WHERE tenant = 'globex'"))[0];
    const total = Object.values(res.body.counts as Record<string, number>).reduce((a, b) => a + b, 0);

    expect(res.status).toBe(200);
    expect(total).toBe(Number(row.n));
    const shown = [...res.body.due_soon, ...res.body.failed].map((timer: { id: string }) => timer.id);
    const others = [owned.acme, owned.initech].flatMap((o) => [o.timer, o.failed]);
    for (const id of others) expect(shown).not.toContain(id);
    expect(res.body.schedules.map((s: { id: string }) => s.id)).not.toContain(owned.acme.schedule);
  });

  it('an admin key sees every tenant, or the one X-Tenant names, and creates there', async () => {
    const all = await api.http().get('/timers?limit=100').set(as(ADMIN));
    const [row] = (await t.db.raw('SELECT COUNT(*) AS n FROM timers'))[0];
    expect(all.body.items).toHaveLength(Number(row.n));

    const created = await api
      .http()
      .post('/timers')
      .set(as(ADMIN))
      .set('X-Tenant', 'initech')
      .send({ seconds: 60, url: HOOK_URL });
    expect(created.status).toBe(201);
    const [stored] = (await t.db.raw('SELECT tenant FROM timers WHERE id = ?', [created.body.id]))[0];
    expect(stored.tenant).toBe('initech');

    const one = await api.http().get('/timers?limit=100').set(as(ADMIN)).set('X-Tenant', 'acme');
    const acme = (await t.db.raw("SELECT COUNT(*) AS n FROM timers WHERE tenant = 'acme'"))[0][0];
    expect(one.body.items).toHaveLength(Number(acme.n));
  });
});

describe('fuzzed: random routes × keys of three tenants × ids of all of them', () => {
  it('a foreign id is always 404 (or 403 without the scope), an own id never is', async () => {
    const routes = ROUTES.filter((r) => r.keepsRow);
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom(...TENANTS),
        fc.constantFrom('read' as const, 'write' as const),
        fc.constantFrom(...TENANTS),
        async (route, caller, scope, owner) => {
          const res = await send(route, route.path(owned[owner]), keys[caller][scope]);
          checked += 1;
          if (scope === 'read' && route.scope === 'write') return res.status === 403;
          if (caller !== owner) return res.status === 404;
          return res.status !== 404 && res.status !== 403 && res.status < 500;
        },
      ),
      { numRuns: 300 },
    );
    expect(checked).toBe(300);
  });
});

describe('timers in bulk stay in their tenant', () => {
  it('batch, list by label and cancel by label see only the caller’s tenant; admin sees all; read keys cannot write', async () => {
    const item = { seconds: 3600, url: HOOK_URL, labels: { order: 'shared-7' } };
    for (const tenant of ['acme', 'globex'] as const) {
      const res = await api
        .http()
        .post('/timers/batch')
        .set(as(keys[tenant].write))
        .send({ timers: [item, item, item] });
      expect(res.status).toBe(201);
    }
    const ids = async (key: string) =>
      (await api.http().get('/timers?label=order:shared-7').set(as(key))).body.items.map((x: { id: string }) => x.id);
    const acmeIds = await ids(keys.acme.read);
    const globexIds = await ids(keys.globex.read);
    expect(acmeIds).toHaveLength(3);
    expect(globexIds).toHaveLength(3);
    expect(acmeIds.filter((id: string) => globexIds.includes(id))).toEqual([]);
    expect(await ids(ADMIN)).toHaveLength(6);
    expect(await ids(keys.initech.read)).toEqual([]);

    expectError(
      await api.http().delete('/timers?label=order:shared-7').set(as(keys.acme.read)),
      403,
      'insufficient_scope',
    );
    expectError(
      await api
        .http()
        .post('/timers/batch')
        .set(as(keys.acme.read))
        .send({ timers: [item] }),
      403,
      'insufficient_scope',
    );
    const canceled = await api.http().delete('/timers?label=order:shared-7').set(as(keys.globex.write));
    expect(canceled.body).toEqual({ canceled: 3, not_cancelable: 0, remaining: 0 });
    const acmeLeft = await api.http().get('/timers?label=order:shared-7&status=pending').set(as(keys.acme.read));
    expect(acmeLeft.body.items).toHaveLength(3);
  });
});
