/**
 * A controller in this process against a real database and a real HTTP receiver:
 * what it sends, and what it records for every kind of answer.
 */
import { v7 as uuidv7 } from 'uuid';
import type { TestDatabase } from '../../test/helpers/db';
import type { Receiver } from '../../test/helpers/receiver';
import { newTimer } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';
import { ControllerRig, QUICK, Rule, startControllerRig } from './controllerRig';

const env = {
  ...QUICK,
  MAX_ATTEMPTS: '4',
};

let rig: ControllerRig;
let t: TestDatabase;
let receiver: Receiver;

beforeAll(async () => {
  rig = await startControllerRig('delivery', env);
  ({ t, receiver } = rig);
});
afterAll(() => rig.close());

const schedule = (rule: Rule, url?: string) => rig.schedule(rule, url === undefined ? {} : { url });
const settled = (id: string) => rig.settled(id);
const deliveriesOf = (id: string) => rig.deliveriesOf(id);

it('sends POST {url}/{id} with the query kept, a JSON body and an Idempotency-Key', async () => {
  const id = await schedule(() => 200, `${receiver.url}/orders?tenant=7`);
  const timer = await settled(id);

  const [delivery] = deliveriesOf(id);
  expect(delivery.method).toBe('POST');
  expect(delivery.path).toBe(`/hooks/orders/${id}`);
  expect(delivery.search).toBe('?tenant=7');
  expect(delivery.headers['content-type']).toMatch(/^application\/json/);
  expect(delivery.headers['idempotency-key']).toBe(id);
  expect(delivery.body).toEqual({ id, fire_at: timer.fireAt.toISOString() });
  expect(timer).toMatchObject({ status: 'fired', attempts: 1, lastError: null });
  expect(timer.firedAt).toBeInstanceOf(Date);
});

it('retries a 5xx: two failures then a 2xx end fired, with 3 attempts and one Idempotency-Key', async () => {
  const id = await schedule((nth) => (nth <= 2 ? 503 : 200));
  const timer = await settled(id);

  expect(timer).toMatchObject({ status: 'fired', attempts: 3 });
  const keys = deliveriesOf(id).map((d) => d.headers['idempotency-key']);
  expect(keys).toEqual([id, id, id]);
});

it.each([408, 429])('retries HTTP %i', async (status) => {
  const id = await schedule((nth) => (nth === 1 ? status : 200));
  expect(await settled(id)).toMatchObject({ status: 'fired', attempts: 2 });
});

it('fails a 404 at once, without retrying', async () => {
  const id = await schedule(() => 404);
  const timer = await settled(id);
  expect(timer).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 404' });
  expect(deliveriesOf(id)).toHaveLength(1);
});

it('does not follow a redirect and fails the timer', async () => {
  const id = await schedule(() => 302);
  const timer = await settled(id);
  expect(timer.status).toBe('failed');
  expect(timer.lastError).toMatch(/HTTP 302/);
  expect(deliveriesOf(id)).toHaveLength(1);
});

it('times out a receiver that hangs, and retries', async () => {
  const id = await schedule((nth) => (nth === 1 ? 'hang' : 200));
  const timer = await settled(id);
  expect(timer).toMatchObject({ status: 'fired', attempts: 2 });
  expect(deliveriesOf(id)).toHaveLength(2);
});

it('records the timeout as the last error while it keeps failing', async () => {
  const id = await schedule(() => 'hang');
  const timer = await settled(id);
  expect(timer).toMatchObject({ status: 'failed', attempts: 4, lastError: 'timeout after 500 ms' });
});

it('retries a dropped connection', async () => {
  const id = await schedule((nth) => (nth === 1 ? 'drop' : 200));
  expect(await settled(id)).toMatchObject({ status: 'fired', attempts: 2 });
});

it('gives up after MAX_ATTEMPTS and keeps the last error', async () => {
  const id = await schedule(() => 500);
  const timer = await settled(id);
  expect(timer).toMatchObject({ status: 'failed', attempts: 4, lastError: 'HTTP 500' });
  expect(deliveriesOf(id)).toHaveLength(4);
});

it('treats a refused connection as retryable and says so in last_error', async () => {
  const id = await schedule(() => 200, 'http://127.0.0.1:9/nothing-listens-here');
  const timer = await settled(id);
  expect(timer).toMatchObject({ status: 'failed', attempts: 4 });
  expect(timer.lastError).toMatch(/ECONNREFUSED/);
});

it('never sends a timer canceled before it was due', async () => {
  const id = uuidv7();
  await t.store.timers.create(newTimer(receiver.url, 1500, id));
  expect((await t.store.timers.cancel(id, { from: 'pending', version: 1 })).outcome).toBe('canceled');
  // A timer created after it, due sooner, proves the controller kept polling past it.
  const later = await schedule(() => 200);
  await settled(later);
  await waitFor('the canceled timer to have been due for a while', async () => {
    const timer = await t.store.timers.find(id);
    return timer && timer.msLeft < -300;
  });
  expect(deliveriesOf(id)).toHaveLength(0);
  expect((await t.store.timers.find(id))?.status).toBe('canceled');
});
