/**
 * Capped exponential back-off with "equal jitter": half the delay is fixed, half
 * random, so retries from many processes spread out but never come back at once.
 * attempt 1 → base, 2 → 2 × base, … capped at max. Pure: the random source is a parameter.
 */
export function exponentialDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
