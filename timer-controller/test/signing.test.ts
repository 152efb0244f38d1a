/**
 * Signed webhooks (Standard Webhooks), checked with the independent
 * `standardwebhooks` package as a receiver would: every attempt verifies under
 * every configured key, and a tampered body does not.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createSilentLogger, loadConfig, systemClock } from '@timer/shared';
import { Controller } from '@timer/controller';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { newTimer } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

const oldKey = `whsec_${randomBytes(32).toString('base64')}`;
const newKey = `whsec_${randomBytes(24).toString('base64')}`;
let t: TestDatabase;
let receiver: Receiver;
let controller: Controller;

beforeAll(async () => {
  t = await createTestDatabase('signing');
  receiver = await startReceiver((_d, nth) => (nth === 1 ? 503 : 200));
  controller = new Controller({
    config: loadConfig({
      DATABASE_URL: t.url,
      POLL_INTERVAL_MS: '50',
      RETRY_BASE_MS: '20',
      RETRY_MAX_MS: '50',
      WEBHOOK_SECRET: `${oldKey} ${newKey}`,
    }),
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

function headersOf(d: Receiver['deliveries'][number]): Record<string, string> {
  return Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, String(v)]));
}

it('signs every attempt so that a receiver holding either key verifies it', async () => {
  const timer = newTimer(receiver.url);
  await t.store.create(timer);
  await waitFor('two attempts', () => receiver.deliveries.filter((d) => d.id === timer.id).length === 2);

  for (const delivery of receiver.deliveries.filter((d) => d.id === timer.id)) {
    const headers = headersOf(delivery);
    const raw = JSON.stringify(delivery.body);
    expect(headers['webhook-id']).toBe(timer.id);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const key of [oldKey, newKey]) {
      expect(new Webhook(key).verify(raw, headers)).toEqual({ id: timer.id, fire_at: timer.fireAt.toISOString() });
    }
    expect(() => new Webhook(oldKey).verify(raw.replace(timer.id, 'forged'), headers)).toThrow();
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(raw, headers)).toThrow();
  }
});

it('refuses a malformed signing key at start, naming the variable', () => {
  expect(() => loadConfig({ WEBHOOK_SECRET: 'whsec_short' })).toThrow(/WEBHOOK_SECRET/);
});
