/** What the delivery rollups count, per minute, tenant and controller. */

export const ROLLUP_OUTCOMES = ['delivered', 'retried', 'failed', 'skipped'] as const;
export type RollupOutcome = (typeof ROLLUP_OUTCOMES)[number];

export interface RollupCounts {
  delivered: number;
  retried: number;
  failed: number;
  skipped: number;
  /** Requests sent, by lateness bucket (LATENESS_COLUMNS). */
  lateness: number[];
}

/** One row: what one controller did for one tenant in the minute starting at `minute`. */
export interface RollupRow extends RollupCounts {
  minute: Date;
  tenant: string;
  controllerId: string;
}

/** One minute summed over controllers (and, for an admin, over tenants). */
export interface RollupMinute extends RollupCounts {
  minute: Date;
}

export function emptyCounts(buckets: number): RollupCounts {
  return { delivered: 0, retried: 0, failed: 0, skipped: 0, lateness: new Array<number>(buckets).fill(0) };
}
