/**
 * A controller in this process against a real database and receiver: the Timer-*
 * headers of every delivery, the attempt history it writes with each outcome,
 * 410 Gone, a timer's own max_attempts, and a replayed timer. When retries and
 * Retry-After send is asserted to the millisecond on a fake clock (retries.test.ts).
 */
import { createSilentLogger, NewTimer, select } from '@timer/shared';
import type { TestDatabase } from '../../test/helpers/db';
import { waitFor } from '../../test/helpers/wait';
import { ControllerRig, QUICK, Rule, startControllerRig } from './controllerRig';

const env = {
  ...QUICK,
  MAX_ATTEMPTS: '4',
  CONTROLLER_ID: 'ctl-history',
};

let rig: ControllerRig;
let t: TestDatabase;
const logger = createSilentLogger();
const warnings = jest.spyOn(logger, 'warn');

beforeAll(async () => {
  rig = await startControllerRig('ctl_history', env, { logger });
  ({ t } = rig);
});
afterAll(() => rig.close());

const schedule = (rule: Rule, timer: Partial<NewTimer> = {}) => rig.schedule(rule, timer);
const settled = (id: string) => rig.settled(id);
const deliveriesOf = (id: string) => rig.deliveriesOf(id);

interface AttemptRow {
  attempt: number;
  lease_token: number | string;
  status_code: number | null;
  error_class: string | null;
  error: string | null;
  outcome: string;
  controller_id: string;
  lateness_ms: number | string;
  duration_ms: number;
  started_at: Date;
  finished_at: Date;
}

const attemptRows = (id: string) =>
  select<AttemptRow>(t.db, 5000, 'SELECT * FROM timer_attempts WHERE timer_id = ? ORDER BY lease_token', [id]);

it('sends Timer-Id, Timer-Fire-At, Timer-Attempt and Timer-Lease, and records each attempt with its answer', async () => {
  const id = await schedule((nth) => (nth === 1 ? 503 : nth === 2 ? 'hang' : 200));
  const timer = await settled(id);

  const deliveries = deliveriesOf(id);
  expect(timer).toMatchObject({ status: 'fired', attempts: 3 });
  expect(deliveries.map((d) => d.headers['timer-id'])).toEqual([id, id, id]);
  expect(deliveries.map((d) => d.headers['timer-fire-at'])).toEqual(Array(3).fill(timer.fireAt.toISOString()));
  expect(deliveries.map((d) => d.headers['timer-attempt'])).toEqual(['1', '2', '3']);
  expect(deliveries.map((d) => d.headers['timer-lease'])).toEqual(['1', '2', '3']);

  const rows = await waitFor('three attempts recorded', async () => {
    const r = await attemptRows(id);
    return r.length === 3 ? r : null;
  });
  expect(rows.map((r) => [r.attempt, Number(r.lease_token), r.status_code, r.error_class, r.outcome])).toEqual([
    [1, 1, 503, 'http', 'retry'],
    [2, 2, null, 'timeout', 'retry'],
    [3, 3, 200, null, 'delivered'],
  ]);
  expect(rows.map((r) => r.error)).toEqual(['HTTP 503', 'timeout after 500 ms', null]);
  for (const r of rows) {
    expect(r.controller_id).toBe('ctl-history');
    expect(Number(r.lateness_ms)).toBeGreaterThanOrEqual(0);
    expect(Number(r.lateness_ms)).toBeLessThan(10_000);
    expect(r.finished_at.getTime()).toBeGreaterThanOrEqual(r.started_at.getTime());
  }
  expect(rows[1].duration_ms).toBeGreaterThanOrEqual(450);
});

it('fails a 410 Gone at once, saying so in last_error and in the history', async () => {
  const id = await schedule(() => 410);
  const timer = await settled(id);

  expect(timer).toMatchObject({ status: 'failed', attempts: 1 });
  expect(timer.lastError).toMatch(/^HTTP 410 Gone/);
  expect(timer.lastError).toMatch(/not retried/);
  expect(deliveriesOf(id)).toHaveLength(1);
  const rows = await attemptRows(id);
  expect(rows.map((r) => [r.status_code, r.error_class, r.outcome])).toEqual([[410, 'http', 'failed']]);
});

it('follows a timer’s own max_attempts instead of MAX_ATTEMPTS', async () => {
  const id = await schedule(() => 500, { retry: { maxAttempts: 2, baseMs: null, maxMs: null } });
  const timer = await settled(id);

  expect(timer).toMatchObject({ status: 'failed', attempts: 2, lastError: 'HTTP 500' });
  expect(deliveriesOf(id)).toHaveLength(2);
});

it('delivers a replayed timer in a new series, its attempt numbers going on from the last', async () => {
  const id = await schedule((nth) => (nth <= 2 ? 500 : 200), { retry: { maxAttempts: 2, baseMs: null, maxMs: null } });
  expect(await settled(id)).toMatchObject({ status: 'failed', attempts: 2 });

  expect((await t.store.timers.replay(id, 1)).outcome).toBe('replayed');
  const timer = await waitFor('the replayed timer to fire', async () => {
    const found = await t.store.timers.find(id);
    return found?.status === 'fired' ? found : null;
  });

  expect(timer.attempts).toBe(1);
  expect(deliveriesOf(id).map((d) => d.headers['timer-attempt'])).toEqual(['1', '2', '3']);
  const rows = await waitFor('three attempts recorded', async () => {
    const r = await attemptRows(id);
    return r.length === 3 ? r : null;
  });
  expect(rows.map((r) => [r.attempt, r.status_code, r.outcome])).toEqual([
    [1, 500, 'retry'],
    [2, 500, 'failed'],
    [3, 200, 'delivered'],
  ]);
});

it('numbers the attempt in its log lines as the Timer-Attempt header and the history do, across a replay', async () => {
  const id = await schedule(() => 500, { retry: { maxAttempts: 1, baseMs: null, maxMs: null } });
  expect(await settled(id)).toMatchObject({ status: 'failed', attempts: 1 });
  expect((await t.store.timers.replay(id, 1)).outcome).toBe('replayed');
  await waitFor('the replay to fail too', async () => (await attemptRows(id)).length === 2);

  const calls = warnings.mock.calls as unknown as Array<[string, { timerId?: string; attempt?: number }]>;
  const lines = calls.filter(([, fields]) => fields?.timerId === id);
  expect(lines.map(([message, fields]) => [message, fields.attempt])).toEqual([
    ['Webhook failed, giving up', 1],
    ['Webhook failed, giving up', 2],
  ]);
  expect(deliveriesOf(id).map((d) => d.headers['timer-attempt'])).toEqual(['1', '2']);
});
