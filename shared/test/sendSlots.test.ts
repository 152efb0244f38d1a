/**
 * The rate's send slots (GCRA): a burst at once after a quiet spell, then one slot
 * every 1/rate, and never more than rate + burst − 1 in any one-second window.
 */
import { planSlots, RATE_MARGIN } from '@timer/shared';

const interval = (rate: number) => 1000 / (rate * (1 - RATE_MARGIN));

it('after a quiet spell, the burst shares the first moment; then one slot every interval', () => {
  const plan = planSlots({ rate: 10, burst: 3 }, -5000, 6, 50, 1000);

  const step = interval(10);
  const expected = [50, 50, 50, 50 + step, 50 + 2 * step, 50 + 3 * step];
  expect(plan.slots).toHaveLength(expected.length);
  plan.slots.forEach((ms, i) => expect(ms).toBeCloseTo(expected[i], 6));
});

it('takes only the slots within the horizon, and says when the next comes within it', () => {
  const plan = planSlots({ rate: 1, burst: 1 }, 0, 10, 50, 100);

  expect(plan.slots).toEqual([50]);
  // The next slot is one interval later: within a 100 ms horizon after a 50 ms delay 150 ms before it.
  expect(plan.nextInMs(1)).toBe(Math.ceil(50 + interval(1) - 150));
});

it('a busy flow planned claim after claim keeps a margin under rate + burst in every second', () => {
  const rate = 100;
  const burst = 10;
  const sent: number[] = [];
  let tatAbs = 0;
  // A claim every 7–60 ms, each planning the slots of its next 100 ms.
  for (let now = 0, i = 0; now < 20_000; now += 7 + ((i++ * 37) % 53)) {
    const plan = planSlots({ rate, burst }, tatAbs - now, 1000, 50, 100);
    sent.push(...plan.slots.map((ms) => now + ms));
    tatAbs = now + plan.tats[plan.slots.length];
  }
  sent.sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sent.length; i++) {
    while (j < sent.length && sent[j] < sent[i] + 1000) j++;
    most = Math.max(most, j - i);
  }
  // GCRA's bound, rate × (1 − margin) + burst: 107, three under rate + burst.
  expect(most).toBeLessThanOrEqual(Math.floor(rate * (1 - RATE_MARGIN)) + burst);
  expect(most).toBeLessThan(rate + burst);
  expect(sent.length / 20).toBeGreaterThan(rate * (1 - RATE_MARGIN) * 0.99); // and the rate, less the margin, is reached
});
