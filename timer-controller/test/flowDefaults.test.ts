/**
 * Default limits per origin (FLOW_DEFAULTS) hold across the fleet, at the
 * receiver, for timers whose tenant set no flow: two controller processes started
 * with a default of parallelism 3 never have a 4th request open at that origin.
 * A tenant's own flow for an origin overrides its default: with parallelism 1 set
 * by PUT, that origin never sees a 2nd. Every timer still fires exactly once.
 */
import { ORIGIN_DEFAULTS_TENANT, originOf } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { insertTimers } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

let t: TestDatabase;
let defaulted: Receiver;
let overridden: Receiver;
const controllers: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('flow_defaults');
  defaulted = await startReceiver(() => ({ status: 200, delayMs: 20 }));
  overridden = await startReceiver(() => ({ status: 200, delayMs: 20 }));
  const env = {
    DATABASE_URL: t.url,
    WEBHOOK_TIMEOUT_MS: '30000',
    LEASE_MS: '60000',
    FLOW_DEFAULTS: `${originOf(defaulted.url)}=parallelism:3;${originOf(overridden.url)}=parallelism:3`,
  };
  for (let i = 0; i < 2; i++) controllers.push(spawnService('controller', { ...env, CONTROLLER_ID: `defaults-${i}` }));
  await Promise.all(controllers.map((c) => c.waitForLog('Controller started')));
});

afterAll(async () => {
  await killAll(controllers);
  await Promise.all([defaulted.close(), overridden.close()]);
  await t.drop();
});

async function firedOnce(receiver: Receiver, ids: string[]): Promise<void> {
  await waitFor('every timer to be delivered', () => receiver.distinct === ids.length, { timeoutMs: 120_000 });
  const counts = receiver.countById();
  expect(new Set(counts.keys())).toEqual(new Set(ids));
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}

it("an origin's default limits its timers fleet-wide; a tenant's own flow overrides it", async () => {
  const stored = await t.db('flows').where({ tenant: ORIGIN_DEFAULTS_TENANT }).orderBy('flow_key');
  expect(stored.map((f: { flow_key: string; parallelism: number }) => [f.flow_key, f.parallelism]).sort()).toEqual(
    [
      [originOf(defaulted.url), 3],
      [originOf(overridden.url), 3],
    ].sort(),
  );
  await t.store.flows.put('default', originOf(overridden.url)!, { parallelism: 1, rate: null, burst: null });

  // Due 3 s from now: beyond the claim's lookahead, and after every controller has read the PUT.
  const ids = await insertTimers(t.db, 300, defaulted.url, () => 3000);
  const otherIds = await insertTimers(t.db, 60, overridden.url, () => 3000);
  await firedOnce(defaulted, ids);
  await firedOnce(overridden, otherIds);

  expect(defaulted.maxConcurrent).toBe(3);
  expect(overridden.maxConcurrent).toBe(1);
  console.log(
    `FLOW_DEFAULTS parallelism 3: highest concurrency ${defaulted.maxConcurrent}; overridden by PUT parallelism 1: ${overridden.maxConcurrent}`,
  );
}, 180_000);
