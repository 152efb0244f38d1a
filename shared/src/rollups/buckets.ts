/**
 * The lateness histogram of the delivery rollups: fixed, log-spaced upper bounds
 * in milliseconds, one column each (lateness_le_<bound>), and one more for
 * everything later than the last bound. The bounds are part of the schema: a
 * change is a new migration, never an edit here alone.
 *
 * A percentile is read from the buckets as Prometheus's histogram_quantile reads
 * its own: find the bucket the rank falls in, interpolate linearly inside it. The
 * answer is exact to within that bucket's width; the last bucket has no upper
 * bound, so a rank that falls there reads as the last bound ("at least").
 */

export const LATENESS_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000] as const;

/** The column of each bucket, in order; the last one counts everything later than the last bound. */
export const LATENESS_COLUMNS: readonly string[] = [
  ...LATENESS_BOUNDS_MS.map((bound) => `lateness_le_${bound}`),
  `lateness_over_${LATENESS_BOUNDS_MS[LATENESS_BOUNDS_MS.length - 1]}`,
];

/** The index of the bucket a lateness falls in (early counts as on time). */
export function latenessBucket(latenessMs: number): number {
  const ms = Math.max(0, latenessMs);
  const index = LATENESS_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? LATENESS_BOUNDS_MS.length : index;
}

/** The q-quantile (0 < q ≤ 1) of a histogram of LATENESS_COLUMNS.length counts; null when it is empty. */
export function latenessQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (n > 0 && below + n >= rank) {
      if (i === LATENESS_BOUNDS_MS.length) return LATENESS_BOUNDS_MS[i - 1];
      const lower = i === 0 ? 0 : LATENESS_BOUNDS_MS[i - 1];
      const upper = LATENESS_BOUNDS_MS[i];
      return Math.round(lower + ((upper - lower) * (rank - below)) / n);
    }
    below += n;
  }
  return LATENESS_BOUNDS_MS[LATENESS_BOUNDS_MS.length - 1];
}
