/**
 * The SSRF guard at send time: with WEBHOOK_TARGETS=public, a timer whose target
 * is (or resolves to) a refused address is failed at once, never retried, and
 * nothing reaches it — even though it was stored (e.g. under an older policy, or
 * a name that pointed elsewhere when the timer was created).
 */
import { createSilentLogger, loadConfig, systemClock } from '@timer/shared';
import { Controller } from '@timer/controller';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { newTimer } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

let t: TestDatabase;
let receiver: Receiver;
let controller: Controller;

beforeAll(async () => {
  t = await createTestDatabase('targets');
  receiver = await startReceiver();
  controller = new Controller({
    config: loadConfig({ DATABASE_URL: t.url, POLL_INTERVAL_MS: '50', WEBHOOK_TARGETS: 'public' }),
    store: t.store,
    logger: createSilentLogger(),
    clock: systemClock,
  });
  controller.start();
});

afterAll(async () => {
  await controller.stop();
  await receiver.close();
  await t.drop();
});

it.each([
  ['an IP literal', (port: number) => `http://127.0.0.1:${port}/hooks`],
  ['a name that resolves to loopback', (port: number) => `http://localhost:${port}/hooks`],
  ['an integer spelling of loopback', (port: number) => `http://2130706433:${port}/hooks`],
])('fails a timer whose target is %s, at once and without sending', async (_what, url) => {
  const timer = newTimer(url(receiver.port));
  await t.store.create(timer);
  const settled = await waitFor('the timer to fail', async () => {
    const found = await t.store.find(timer.id);
    return found?.status === 'failed' ? found : null;
  });
  expect(settled.attempts).toBe(1);
  expect(settled.lastError).toMatch(/refused/);
  expect(receiver.deliveries).toHaveLength(0);
});
