/**
 * The poll loop's timing, on jest's fake clock: nudges coalesce into at most one
 * early iteration per spacing, however many arrive; its own wake() is immediate;
 * with neither it polls once per interval.
 */
import { systemClock } from '@timer/shared';
import { PollLoop } from '@timer/controller';

const INTERVAL_MS = 500;
const SPACING_MS = 50;

let starts: number[];
let loop: PollLoop;
let t0: number;

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
  t0 = Date.now();
  starts = [];
  loop = new PollLoop({
    intervalMs: INTERVAL_MS,
    clock: systemClock,
    minNudgeSpacingMs: SPACING_MS,
    iterate: async () => {
      starts.push(Date.now() - t0);
      return 'idle';
    },
    onError: () => 1000,
  });
  loop.start();
});

afterEach(async () => {
  const stopped = loop.stop();
  await jest.runOnlyPendingTimersAsync();
  await stopped;
  jest.useRealTimers();
});

it('polls once per interval when nothing asks for more', async () => {
  await jest.advanceTimersByTimeAsync(2 * INTERVAL_MS);
  expect(starts).toEqual([0, 500, 1000]);
});

it('turns a flood of nudges into at most one early poll per spacing', async () => {
  // A nudge every millisecond for one second.
  for (let ms = 1; ms <= 1000; ms++) {
    loop.nudge();
    await jest.advanceTimersByTimeAsync(1);
  }
  expect(starts.length).toBeLessThanOrEqual(1 + 1000 / SPACING_MS);
  expect(starts.length).toBeGreaterThanOrEqual(1000 / SPACING_MS - 1);
  for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(SPACING_MS);
});

it('answers a lone nudge at once when the last poll is older than the spacing', async () => {
  await jest.advanceTimersByTimeAsync(200);
  loop.nudge();
  await jest.advanceTimersByTimeAsync(0);
  expect(starts).toEqual([0, 200]);
});

it('answers a nudge right after a poll at the spacing, not sooner', async () => {
  await jest.advanceTimersByTimeAsync(10);
  loop.nudge();
  await jest.advanceTimersByTimeAsync(SPACING_MS - 11);
  expect(starts).toEqual([0]);
  await jest.advanceTimersByTimeAsync(1);
  expect(starts).toEqual([0, SPACING_MS]);
});

it('wakes at once for its own wake(), whatever the spacing', async () => {
  await jest.advanceTimersByTimeAsync(10);
  loop.wake();
  await jest.advanceTimersByTimeAsync(0);
  expect(starts).toEqual([0, 10]);
});
