/**
 * A rate as send slots (GCRA, the generic cell rate algorithm): each request of a
 * flow gets its own moment, `1 / rate` after the one before, and up to `burst` may
 * share a moment after a quiet spell. The flow keeps one number, its theoretical
 * arrival time (TAT); a slot is `max(earliest, TAT − tolerance)`, and each slot
 * moves the TAT on by one interval. The interval is 3 % longer than `1 / rate`:
 * any window of one second then holds at most `0.97 × rate + burst − 1` slots,
 * which leaves a margin under `rate + burst` for requests that leave a little
 * after their slot (a busy event loop, the network), so the receiver never sees
 * more than `rate + burst` in a second. Pure: times in ms relative to the claim's
 * now.
 */

/** How much longer than 1/rate the interval between slots is: the margin for late sends. */
export const RATE_MARGIN = 0.03;

export interface SlotPlan {
  /** Each planned request's moment, ms from now, in order. */
  slots: number[];
  /** The TAT after each number of requests taken: `tats[n]` once the first n are taken. */
  tats: number[];
  /** Ms from now until the next slot after `n` taken comes within the horizon. */
  nextInMs(n: number): number;
}

/**
 * Plans up to `max` slots no earlier than `earliestMs` and no later than
 * `earliestMs + horizonMs`. `tatMs`: the flow's TAT, ms from now (negative when past).
 */
export function planSlots(
  limits: { rate: number; burst: number },
  tatMs: number,
  max: number,
  earliestMs: number,
  horizonMs: number,
): SlotPlan {
  const interval = 1000 / (limits.rate * (1 - RATE_MARGIN));
  const tolerance = (limits.burst - 1) * interval;
  const slots: number[] = [];
  const tats = [tatMs];
  let tat = tatMs;
  while (slots.length < max) {
    const at = Math.max(earliestMs, tat - tolerance);
    if (at > earliestMs + horizonMs) break;
    slots.push(at);
    tat = Math.max(tat, at) + interval;
    tats.push(tat);
  }
  return {
    slots,
    tats,
    nextInMs: (n) => Math.max(1, Math.ceil(tats[n] - tolerance - earliestMs - horizonMs)),
  };
}
