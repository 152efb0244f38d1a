/**
 * A signing secret per tenant: each tenant's webhooks are signed with its own
 * secret (rotated through the admin endpoints, kept sealed with DATA_KEYS), so a
 * receiver that verifies with its tenant's secret rejects a webhook another
 * tenant pointed at it; a tenant without a secret of its own is signed with
 * WEBHOOK_SECRET. Checked as a receiver would, with the `standardwebhooks` package.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createSilentLogger, loadConfig, select, systemClock } from '@timer/shared';
import { Controller, TenantSigningKeys } from '@timer/controller';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { Delivery, Receiver, startReceiver } from '../../test/helpers/receiver';
import { waitFor } from '../../test/helpers/wait';
import { RunningApi, startApp } from '../../timer-api/test/support';
import { QUICK } from './controllerRig';

const ADMIN = `admin-${randomBytes(16).toString('hex')}`;
const SHARED = `whsec_${randomBytes(32).toString('base64')}`;
const env = {
  ...QUICK,
  ADMIN_API_KEYS: ADMIN,
  WEBHOOK_SECRET: SHARED,
  DATA_KEYS: `k1:${randomBytes(32).toString('base64')}`,
};

let t: TestDatabase;
let api: RunningApi;
let controller: Controller;
/** The receiver of globex: it verifies with globex's secret and answers 401 to anything else. */
let globexReceiver: Receiver;
let globexSecret: string;
const keys: Record<string, string> = {};

const admin = { Authorization: `Bearer ${ADMIN}` };
const as = (tenant: string) => ({ Authorization: `Bearer ${keys[tenant]}` });

function verifies(secret: string, d: Delivery): boolean {
  const headers = Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, String(v)]));
  try {
    new Webhook(secret).verify(d.rawBody, headers);
    return true;
  } catch {
    return false;
  }
}

async function settled(id: string) {
  return waitFor(`timer ${id} to settle`, async () => {
    const timer = await t.store.timers.find(id);
    return timer && (timer.status === 'fired' || timer.status === 'failed') ? timer : null;
  });
}

async function createTimer(tenant: string, url: string): Promise<string> {
  const res = await api.http().post('/timers').set(as(tenant)).send({ url });
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

beforeAll(async () => {
  t = await createTestDatabase('tenant_signing', env);
  const config = loadConfig({ DATABASE_URL: t.url, ...env });
  api = await startApp(config, t.store);
  for (const tenant of ['acme', 'globex', 'initech']) {
    const res = await api.http().post('/admin/keys').set(admin).send({ tenant, scope: 'write' });
    keys[tenant] = (res.body as { key: string }).key;
  }
  for (const tenant of ['acme', 'globex']) {
    const res = await api.http().post(`/admin/tenants/${tenant}/signing-secrets`).set(admin);
    expect(res.status).toBe(201);
    if (tenant === 'globex') globexSecret = (res.body as { secret: string }).secret;
  }
  globexReceiver = await startReceiver((d) => (verifies(globexSecret, d) ? 200 : 401));
  const logger = createSilentLogger();
  const signingKeys = new TenantSigningKeys({
    tenants: t.store.tenants,
    fallback: config.webhookSecrets,
    clock: systemClock,
    logger,
  });
  controller = new Controller({ config, store: t.store, logger, clock: systemClock, signingKeys });
  controller.start();
});

afterAll(async () => {
  await controller?.stop();
  await globexReceiver?.close();
  await api?.close();
  await t?.drop();
});

it("tenant B's receiver rejects a webhook tenant A pointed at it; B's own is delivered", async () => {
  const fromAcme = await createTimer('acme', globexReceiver.url);
  const fromGlobex = await createTimer('globex', globexReceiver.url);

  expect(await settled(fromAcme)).toMatchObject({ status: 'failed', lastError: 'HTTP 401' });
  expect(await settled(fromGlobex)).toMatchObject({ status: 'fired' });
  const [acmeDelivery] = globexReceiver.deliveries.filter((d) => d.id === fromAcme);
  expect(verifies(SHARED, acmeDelivery)).toBe(false);
  const [globexDelivery] = globexReceiver.deliveries.filter((d) => d.id === fromGlobex);
  expect(verifies(globexSecret, globexDelivery)).toBe(true);
  expect(verifies(SHARED, globexDelivery)).toBe(false);
});

it('signs the webhooks of a tenant without a secret of its own with WEBHOOK_SECRET', async () => {
  const id = await createTimer('initech', globexReceiver.url);
  await settled(id);
  const [delivery] = globexReceiver.deliveries.filter((d) => d.id === id);
  expect(verifies(SHARED, delivery)).toBe(true);
  expect(verifies(globexSecret, delivery)).toBe(false);
});

it('keeps the secrets sealed in the database, bound to their tenant', async () => {
  const rows = await select<{ name: string; signing_secrets: string | null }>(
    t.db,
    10_000,
    "SELECT name, signing_secrets FROM tenants WHERE name IN ('acme', 'globex') ORDER BY name",
  );
  expect(rows.map((r) => r.signing_secrets?.startsWith('$tk1$k1$'))).toEqual([true, true]);
  expect(JSON.stringify(rows)).not.toContain(globexSecret.slice('whsec_'.length));
  // A sealed secret copied into another tenant's row does not open there: it signs nothing.
  await t.db.raw("UPDATE tenants SET signing_secrets = ? WHERE name = 'acme'", [rows[1].signing_secrets]);
  await expect(t.store.tenants.signingSecrets('acme')).rejects.toThrow(/does not open/);
  await t.db.raw("UPDATE tenants SET signing_secrets = ? WHERE name = 'acme'", [rows[0].signing_secrets]);
});

it('rotates: both secrets sign until the previous one is retired', async () => {
  const rotated = await api.http().post('/admin/tenants/globex/signing-secrets').set(admin);
  expect(rotated.status).toBe(201);
  expect(rotated.body).toMatchObject({ tenant: 'globex', signing_secrets: 2 });
  const previous = globexSecret;
  const next = (rotated.body as { secret: string }).secret;
  expect(next).toMatch(/^whsec_/);

  // Every controller signs with the new secret within the reload bound (5 s).
  await waitFor('the new secret to sign', async () => {
    const id = await createTimer('globex', globexReceiver.url);
    await settled(id);
    const [d] = globexReceiver.deliveries.filter((x) => x.id === id);
    return verifies(next, d) && verifies(previous, d);
  });

  const retired = await api.http().delete('/admin/tenants/globex/signing-secrets/previous').set(admin);
  expect(retired.body).toMatchObject({ name: 'globex', signing_secrets: 1 });
  globexSecret = next;
  await waitFor('only the new secret to sign', async () => {
    const id = await createTimer('globex', globexReceiver.url);
    const timer = await settled(id);
    const [d] = globexReceiver.deliveries.filter((x) => x.id === id);
    return timer.status === 'fired' && verifies(next, d) && !verifies(previous, d);
  });
});

it('answers 404 for an unknown tenant and 403 for a key without the admin scope', async () => {
  const unknown = await api.http().post('/admin/tenants/nobody/signing-secrets').set(admin);
  expect(unknown.status).toBe(404);
  expect(unknown.body).toMatchObject({ error: { code: 'tenant_not_found' } });
  const notAdmin = await api.http().post('/admin/tenants/globex/signing-secrets').set(as('globex'));
  expect(notAdmin.status).toBe(403);
  expect((await t.store.tenants.signingSecrets('globex')).length).toBe(1);
});
