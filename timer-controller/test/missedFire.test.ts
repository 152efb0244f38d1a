/**
 * The missed-fire policy, decided by the controller at send time on the database
 * clock: with on_late "skip", a timer found later than max_lateness_seconds is
 * skipped, never sent; within the limit, or with the default "fire", it is sent.
 * Only the fire itself is judged: retries follow the retry schedule.
 */
import { v7 as uuidv7 } from 'uuid';
import type { NewTimer } from '@timer/shared';
import type { TestDatabase } from '../../test/helpers/db';
import type { Receiver } from '../../test/helpers/receiver';
import { waitFor } from '../../test/helpers/wait';
import { ControllerRig, QUICK, startControllerRig } from './controllerRig';

let rig: ControllerRig;
let t: TestDatabase;
let receiver: Receiver;

beforeAll(async () => {
  rig = await startControllerRig('ctl_missed_fire', QUICK);
  ({ t, receiver } = rig);
});
afterAll(() => rig.close());

/** A timer that was due `lateMs` ago and is found only now (as after an outage), due now. */
async function dueSince(lateMs: number, extra: Partial<NewTimer> = {}): Promise<string> {
  const id = uuidv7();
  const now = Date.now();
  await t.store.timers.create({
    id,
    url: receiver.url,
    createdAt: new Date(now - lateMs - 1000),
    fireAt: new Date(now - lateMs),
    dueAt: new Date(now),
    ...extra,
  });
  return id;
}

async function finished(id: string) {
  return waitFor(`timer ${id} to finish`, async () => {
    const timer = await t.store.timers.find(id);
    return timer && ['fired', 'failed', 'skipped'].includes(timer.status) ? timer : null;
  });
}

const deliveriesOf = (id: string) => receiver.deliveries.filter((d) => d.id === id);

it('skips a timer later than its max_lateness_seconds: status skipped, nothing sent, no attempt counted', async () => {
  const id = await dueSince(60_000, { maxLatenessSeconds: 10 });
  const timer = await finished(id);

  expect(timer).toMatchObject({ status: 'skipped', attempts: 0, firedAt: null, maxLatenessSeconds: 10 });
  expect(timer.lastError).toMatch(/^skipped: 6\d\.\d s late, more than max_lateness_seconds 10$/);
  expect(deliveriesOf(id)).toHaveLength(0);
  expect(await t.store.attempts.list({ timerId: id, limit: 10 })).toEqual([]);
});

it('sends a skip-policy timer that is late by less than its limit', async () => {
  const id = await dueSince(5000, { maxLatenessSeconds: 60 });
  expect(await finished(id)).toMatchObject({ status: 'fired', attempts: 1 });
  expect(deliveriesOf(id)).toHaveLength(1);
});

it('sends a late timer with the default policy (on_late "fire"), however late', async () => {
  const id = await dueSince(3600_000);
  expect(await finished(id)).toMatchObject({ status: 'fired' });
  expect(deliveriesOf(id)).toHaveLength(1);
});

it('retries a skip-policy timer past its limit: the limit judges the fire, not the retries', async () => {
  const id = await dueSince(0, { maxLatenessSeconds: 1, retry: { maxAttempts: null, baseMs: 2500, maxMs: null } });
  receiver.respond = (d, nth) => (d.id === id && nth === 1 ? 503 : 200);

  const timer = await finished(id);

  expect(timer).toMatchObject({ status: 'fired', attempts: 2 });
  const [first, second] = deliveriesOf(id);
  expect(second.arrivedAt - Date.parse(String(first.headers['timer-fire-at']))).toBeGreaterThan(1000);
});
