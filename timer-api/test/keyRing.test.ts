/**
 * The api_keys table as the api holds it: read once and kept, read again in the
 * background once it is REFRESH_MS old, waited for past MAX_AGE_MS (a 503 when it
 * cannot be read, never an answer from a copy that may hold a revoked key); a
 * key this process makes or revokes holds here at once; the keys presented are
 * recorded as used by the next read. On the fake clock, against a real database.
 */
import { createDb, createSilentLogger, loadConfig, Tenants } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { FakeClock } from '../../test/helpers/fakeClock';
import { AppError } from '../src/errors';
import { makeApiKey } from '../src/domain/keyMaking';
import { digestOf, KeyRing, MAX_AGE_MS, REFRESH_MS } from '../src/domain/keyRing';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase('api_key_ring');
});
afterAll(() => t.drop());

function ring(tenants: Tenants = t.store.tenants) {
  const clock = new FakeClock();
  return {
    clock,
    ring: new KeyRing({ writeKeyDigests: [], adminKeyDigests: [], tenants, clock, logger: createSilentLogger() }),
  };
}

async function addKey(tenant: string) {
  const made = makeApiKey();
  await t.store.tenants.addKey({ id: made.id, digest: made.digest, tenant, scope: 'write' });
  return made;
}

/** Lets a reload started in the background finish (it runs on real I/O). */
async function settled(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 20; i++) await clock.advance(0);
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('KeyRing', () => {
  it('learns a key made elsewhere once its copy is REFRESH_MS old, without making a request wait', async () => {
    const { clock, ring: keys } = ring();
    await keys.required();
    const made = await addKey('acme');

    expect(await keys.match(made.key)).toBeNull();
    await clock.advance(REFRESH_MS);
    expect(await keys.match(made.key)).toBeNull(); // answered from the copy; the reload runs meanwhile
    await settled(clock);

    expect(await keys.match(made.key)).toEqual({ id: made.id, tenant: 'acme', scope: 'write' });
  });

  it('makes a key it was told of work at once, and a key it revoked fail at once', async () => {
    const { ring: keys } = ring();
    await keys.required();
    const made = makeApiKey();
    const grant = { id: made.id, tenant: 'globex', scope: 'write' as const };

    keys.remember(made.digest, grant);
    expect(await keys.match(made.key)).toEqual(grant);
    keys.forget(made.id);
    expect(await keys.match(made.key)).toBeNull();
  });

  it('records the keys presented as used, on its next read', async () => {
    const { clock, ring: keys } = ring();
    const made = await addKey('initech');
    expect(await keys.match(made.key)).not.toBeNull();

    await clock.advance(REFRESH_MS);
    await keys.required();
    await settled(clock);

    const row = (await t.store.tenants.keys('initech')).find((k) => k.id === made.id);
    expect(row?.lastUsedAt).not.toBeNull();
  });

  it('answers 503 past MAX_AGE_MS when the table cannot be read, and from its copy before', async () => {
    const db = createDb(loadConfig({ DATABASE_URL: t.url }));
    const { clock, ring: keys } = ring(new Tenants(db, 2000));
    const made = await addKey('umbrella');
    expect(await keys.match(made.key)).not.toBeNull();
    await db.destroy(); // every later read fails

    await clock.advance(REFRESH_MS);
    expect(await keys.match(made.key)).not.toBeNull();
    await settled(clock);
    await clock.advance(MAX_AGE_MS - REFRESH_MS);

    const failed = await keys.match(made.key).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(AppError);
    expect((failed as AppError).code).toBe('service_unavailable');
  });

  it('looks a presented key up by its digest', () => {
    const made = makeApiKey();
    expect(digestOf(made.key)).toBe(made.digest);
  });
});
