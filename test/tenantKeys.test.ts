/**
 * Keys in the database, on real api processes:
 * - upgrade: a database made before tenants, with timers of API_KEYS clients,
 *   migrates; the old keys still work, on their own timers, and a key of another
 *   tenant does not see them;
 * - revocation: a key revoked through one api process fails on a second one within
 *   the documented bound (5 s); the delay measured is printed.
 */
import type { Knex } from 'knex';
import { newId, sha256Hex } from '@timer/shared';
import { migrationSource } from '../shared/src/db/migrations';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { waitFor } from './helpers/wait';

const OLD_KEY = 'old-client-key-0123456789abcdef';
const ADMIN = 'admin-key-for-tenants-0123456789';
const HOOK = 'https://example.com/hooks';
/** The first migration of tenants: the database "made by the code before" stops short of it. */
const FIRST_TENANT_MIGRATION = '20261207001000_create_tenants';

let t: TestDatabase;
const processes: ServiceProcess[] = [];

afterAll(async () => {
  await killAll(processes);
  await t?.drop();
});

async function startApi(env: Record<string, string>): Promise<string> {
  const api = spawnService('api', { DATABASE_URL: t.url, LOG_LEVEL: 'info', ...env });
  processes.push(api);
  return `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;
}

async function call(base: string, method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Back to the schema before tenants, as a database made by the previous release is. */
async function rollBackTenants(db: Knex): Promise<void> {
  for (;;) {
    const [done] = (await db.migrate.list({ migrationSource })) as [Array<{ name: string }>, unknown];
    const last = done[done.length - 1];
    if (!last || last.name < FIRST_TENANT_MIGRATION) return;
    await db.migrate.down({ migrationSource });
  }
}

it('upgrade: timers of API_KEYS clients become the default tenant’s; old keys keep working on them', async () => {
  t = await createTestDatabase('tenant_keys');
  await rollBackTenants(t.db);
  expect((await t.db.raw("SHOW COLUMNS FROM timers LIKE 'tenant'"))[0]).toHaveLength(0);
  expect((await t.db.raw("SHOW TABLES LIKE 'api_keys'"))[0]).toHaveLength(0);
  const oldOwner = `key_${sha256Hex(OLD_KEY).slice(0, 16)}`;
  const ids = [newId(), newId()];
  for (const id of ids) {
    await t.db.raw(
      `INSERT INTO timers (id, url, status, fire_at, due_at, created_at, updated_at, owner)
       VALUES (?, ?, 'pending', NOW(3) + INTERVAL 1 HOUR, NOW(3) + INTERVAL 1 HOUR, NOW(3), NOW(3), ?)`,
      [id, HOOK, oldOwner],
    );
  }

  const api = await startApi({ API_KEYS: OLD_KEY, ADMIN_API_KEYS: ADMIN });

  for (const id of ids) expect((await call(api, 'GET', `/timers/${id}`, OLD_KEY)).status).toBe(200);
  const list = await call(api, 'GET', '/timers', OLD_KEY);
  expect((list.body.items as Array<{ id: string }>).map((i) => i.id).sort()).toEqual([...ids].sort());
  expect((await call(api, 'DELETE', `/timers/${ids[0]}`, OLD_KEY)).body.status).toBe('canceled');
  // It gained nothing: no key management.
  expect((await call(api, 'GET', '/admin/keys', OLD_KEY)).status).toBe(403);

  const made = await call(api, 'POST', '/admin/keys', ADMIN, { tenant: 'acme', scope: 'write' });
  expect(made.status).toBe(201);
  expect((await call(api, 'GET', `/timers/${ids[1]}`, made.body.key as string)).status).toBe(404);
});

it('revocation: a key revoked on one api process fails on another within 5 s', async () => {
  const [first, second] = [await startApi({ ADMIN_API_KEYS: ADMIN }), await startApi({ ADMIN_API_KEYS: ADMIN })];
  const made = await call(first, 'POST', '/admin/keys', ADMIN, { tenant: 'globex', scope: 'read' });
  const key = made.body.key as string;
  await waitFor(
    'the new key to work on the second process',
    async () => (await call(second, 'GET', '/timers', key)).status === 200,
  );

  const revokedAt = Date.now();
  expect((await call(first, 'DELETE', `/admin/keys/${made.body.id as string}`, ADMIN)).body.revoked_at).toEqual(
    expect.any(String),
  );
  expect((await call(first, 'GET', '/timers', key)).status).toBe(401);
  await waitFor(
    'the revoked key to fail on the second process',
    async () => (await call(second, 'GET', '/timers', key)).status === 401,
    {
      timeoutMs: 10_000,
    },
  );
  const delayMs = Date.now() - revokedAt;
  process.stdout.write(`revocation reached the second api process after ${delayMs} ms\n`);

  expect(delayMs).toBeLessThan(5000);
  const listed = await call(first, 'GET', '/admin/keys?tenant=globex', ADMIN);
  expect(listed.body.items).toEqual([
    expect.objectContaining({ id: made.body.id, revoked_at: expect.any(String), last_used_at: expect.any(String) }),
  ]);
});
