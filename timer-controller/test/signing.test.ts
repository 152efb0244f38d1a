/**
 * Signed webhooks (Standard Webhooks), checked with the independent
 * `standardwebhooks` package as a receiver would: every attempt verifies under
 * every configured key, and a tampered body does not.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '@timer/shared';
import type { TestDatabase } from '../../test/helpers/db';
import type { Receiver } from '../../test/helpers/receiver';
import { newTimer } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';
import { ControllerRig, startControllerRig } from './controllerRig';

const oldKey = `whsec_${randomBytes(32).toString('base64')}`;
const newKey = `whsec_${randomBytes(24).toString('base64')}`;
let rig: ControllerRig;
let t: TestDatabase;
let receiver: Receiver;

beforeAll(async () => {
  rig = await startControllerRig('signing', {
    POLL_INTERVAL_MS: '50',
    RETRY_BASE_MS: '20',
    RETRY_MAX_MS: '50',
    WEBHOOK_SECRET: `${oldKey} ${newKey}`,
  });
  ({ t, receiver } = rig);
  receiver.respond = (_d, nth) => (nth === 1 ? 503 : 200);
});
afterAll(() => rig.close());

function headersOf(d: Receiver['deliveries'][number]): Record<string, string> {
  return Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, String(v)]));
}

it('signs every attempt so that a receiver holding either key verifies it', async () => {
  const timer = newTimer(receiver.url);
  await t.store.timers.create(timer);
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
