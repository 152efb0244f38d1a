/**
 * The SSRF guard at send time: with WEBHOOK_TARGETS=public, a timer whose target
 * is (or resolves to) a refused address is failed at once, never retried, and
 * nothing reaches it — even though it was stored (e.g. under an older policy, or
 * a name that pointed elsewhere when the timer was created).
 */
import type { TestDatabase } from '../../test/helpers/db';
import type { Receiver } from '../../test/helpers/receiver';
import { newTimer } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';
import { ControllerRig, startControllerRig } from './controllerRig';

let rig: ControllerRig;
let t: TestDatabase;
let receiver: Receiver;

beforeAll(async () => {
  rig = await startControllerRig('targets', { POLL_INTERVAL_MS: '50', WEBHOOK_TARGETS: 'public' });
  ({ t, receiver } = rig);
});
afterAll(() => rig.close());

it.each([
  ['an IP literal', (port: number) => `http://127.0.0.1:${port}/hooks`],
  ['a name that resolves to loopback', (port: number) => `http://localhost:${port}/hooks`],
  ['an integer spelling of loopback', (port: number) => `http://2130706433:${port}/hooks`],
])('fails a timer whose target is %s, at once and without sending', async (_what, url) => {
  const timer = newTimer(url(receiver.port));
  await t.store.timers.create(timer);
  const settled = await waitFor('the timer to fail', async () => {
    const found = await t.store.timers.find(timer.id);
    return found?.status === 'failed' ? found : null;
  });
  expect(settled.attempts).toBe(1);
  expect(settled.lastError).toMatch(/refused/);
  expect(receiver.deliveries).toHaveLength(0);
});

it('says of a refused name what the api says at creation, not what it resolved to', async () => {
  const timer = newTimer(`http://localhost:${receiver.port}/hooks`);
  await t.store.timers.create(timer);
  const settled = await waitFor('the timer to fail', async () => {
    const found = await t.store.timers.find(timer.id);
    return found?.status === 'failed' ? found : null;
  });
  const said = "webhook target refused: the url's host resolves to an address WEBHOOK_TARGETS=public refuses";
  expect(settled.lastError).toBe(said);
  const [attempt] = await t.store.attempts.list({ timerId: timer.id, limit: 1 });
  expect(attempt.error).toBe(said);
  expect(JSON.stringify([settled, attempt])).not.toMatch(/127\.0\.0\.1|::1|loopback/);
});
