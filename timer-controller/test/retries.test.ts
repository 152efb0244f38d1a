/**
 * Retries on a fake clock: each failed attempt is retried after its back-off
 * (RETRY_BASE_MS doubling, jitter fixed at its midpoint here: three quarters of
 * the ceiling), or after the receiver's Retry-After (never beyond the cap), on
 * that millisecond; a timeout is retried like a 5xx; MAX_ATTEMPTS and permanent
 * answers end in failed.
 */
import { FakeRig, fakeRig } from './fakes/fakeRig';

let rig: FakeRig;
afterEach(() => rig.stop());

/** A timer due at 1000 answered by `answer`; returns when each request left, from its due time's start. */
async function sendsOf(answer: FakeRig['sender']['answer'], env: Record<string, string> = {}, row = {}) {
  rig = fakeRig(env);
  rig.sender.answer = answer;
  const start = rig.dbNow();
  const id = rig.add(1000, row);
  rig.controller.start();
  await rig.clock.advance(60_000);
  return { id, times: rig.sendTimes(id, start) };
}

it('retries a 503 after the back-off, then after twice that, each on its millisecond', async () => {
  const { id, times } = await sendsOf((_id, nth) => (nth <= 2 ? 503 : 200));

  // 750 = ¾ of RETRY_BASE_MS 1000; then ¾ of 2000.
  expect(times).toEqual([1000, 1750, 3250]);
  expect(rig.row(id)).toMatchObject({ status: 'fired', attempts: 3, lastError: null });
  expect(rig.db.history.map((a) => [a.attempt, a.statusCode, a.outcome, a.latenessMs])).toEqual([
    [1, 503, 'retry', 0],
    [2, 503, 'retry', 0],
    [3, 200, 'delivered', 0],
  ]);
});

it("follows a timer's own base_ms instead of RETRY_BASE_MS", async () => {
  const { times } = await sendsOf((_id, nth) => (nth === 1 ? 500 : 200), {}, { retry: { baseMs: 8000 } });
  expect(times).toEqual([1000, 7000]);
});

it('waits what a 503 Retry-After in seconds asks, when that is longer than the back-off', async () => {
  const { times } = await sendsOf((_id, nth) => (nth === 1 ? { status: 503, retryAfter: '3' } : 200));
  expect(times).toEqual([1000, 4000]);
});

it('waits until a 429 Retry-After HTTP date', async () => {
  // The fake clock starts on a whole second, so an HTTP date (whole seconds) is exact.
  const { times } = await sendsOf((_id, nth) =>
    nth === 1 ? { status: 429, retryAfter: new Date(rig.clock.now() + 5000).toUTCString() } : 200,
  );
  expect(times).toEqual([1000, 6000]);
});

it("caps a Retry-After at the timer's max_ms", async () => {
  const { times } = await sendsOf(
    (_id, nth) => (nth === 1 ? { status: 503, retryAfter: '3600' } : 200),
    {},
    {
      retry: { maxMs: 5000 },
    },
  );
  expect(times).toEqual([1000, 6000]);
});

it('retries a request that timed out after WEBHOOK_TIMEOUT_MS, and records it as a timeout', async () => {
  const { id, times } = await sendsOf((_id, nth) => (nth === 1 ? 'timeout' : 200), { WEBHOOK_TIMEOUT_MS: '5000' });

  expect(times).toEqual([1000, 1000 + 5000 + 750]);
  expect(rig.db.history[0]).toMatchObject({
    errorClass: 'timeout',
    error: 'timeout after 5000 ms',
    durationMs: 5000,
    outcome: 'retry',
  });
  expect(rig.row(id).status).toBe('fired');
});

it('retries a dropped connection', async () => {
  const { times } = await sendsOf((_id, nth) => (nth === 1 ? 'drop' : 200));
  expect(times).toEqual([1000, 1750]);
});

it('gives up after MAX_ATTEMPTS and keeps the last error', async () => {
  const { id, times } = await sendsOf(() => 500, { MAX_ATTEMPTS: '3' });

  expect(times).toEqual([1000, 1750, 3250]);
  expect(rig.row(id)).toMatchObject({ status: 'failed', attempts: 3, lastError: 'HTTP 500' });
  expect(rig.db.history.map((a) => a.outcome)).toEqual(['retry', 'retry', 'failed']);
});

it('fails a 404 at once, without retrying', async () => {
  const { id, times } = await sendsOf(() => 404);

  expect(times).toEqual([1000]);
  expect(rig.row(id)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 404' });
});
