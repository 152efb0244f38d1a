/**
 * A claim whose answer is lost after it committed (the connection drops between
 * the server's COMMIT and its reply): the controller never learns which timers it
 * took, yet the database records them as its own under a lease. It must find and
 * hand them back once the database answers again, so they fire at once rather
 * than a whole lease later, and still exactly once.
 */
import { createSilentLogger, loadConfig, systemClock, Store } from '@timer/shared';
import { Controller } from '@timer/controller';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { insertTimers, statusCounts } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

const env = { POLL_INTERVAL_MS: '100', LEASE_MS: '60000', WEBHOOK_TIMEOUT_MS: '2000', DB_RETRY_BASE_MS: '50' };

let t: TestDatabase;
let receiver: Receiver;
let controller: Controller | undefined;

beforeAll(async () => {
  t = await createTestDatabase('claim_doubt', env);
  receiver = await startReceiver();
});
afterAll(async () => {
  await controller?.stop();
  await receiver.close();
  await t.drop();
});

/** A store whose first claim that takes anything commits and then reports the connection lost. */
function storeLosingOneClaimAnswer(): { store: Store; lostClaim: () => string[] } {
  const store = new Store(t.db, 5000);
  const claimDue = store.claims.claimDue.bind(store.claims);
  let lost: string[] = [];
  store.claims.claimDue = async (claim) => {
    const claimed = await claimDue(claim);
    if (lost.length > 0 || claimed.length === 0) return claimed;
    lost = claimed.map((c) => c.id);
    throw Object.assign(new Error('Connection lost: The server closed the connection.'), {
      code: 'PROTOCOL_CONNECTION_LOST',
    });
  };
  return { store, lostClaim: () => lost };
}

it('hands back the timers of a claim whose answer was lost, and they fire at once, once', async () => {
  const { store, lostClaim } = storeLosingOneClaimAnswer();
  const ids = await insertTimers(t.db, 50, receiver.url, () => 0);
  const started = Date.now();
  controller = new Controller({
    config: loadConfig({ DATABASE_URL: t.url, ...env }),
    store,
    logger: createSilentLogger(),
    clock: systemClock,
  });
  controller.start();

  await waitFor('every timer to fire', async () => (await statusCounts(t.db)).fired === ids.length, {
    timeoutMs: 20_000,
  });

  expect(lostClaim().length).toBeGreaterThan(0);
  // Well inside the 60 s lease that would otherwise hold them.
  expect(Date.now() - started).toBeLessThan(20_000);
  const seen = receiver.countById();
  for (const id of ids) expect(seen.get(id)).toBe(1);
  // The attempt of the lost claim was taken back: each timer took one attempt.
  const [rows] = await t.db.raw('SELECT MAX(attempts) AS most FROM timers');
  expect(Number((rows as Array<{ most: number }>)[0].most)).toBe(1);
});
