/**
 * Which occurrences of a schedule to create now, as timers: the rule for
 * catching up after downtime, as a pure function.
 *
 * A schedule keeps `next_run_at`, its first occurrence not yet created. A
 * controller looks at it once that is within the lookahead, and:
 *
 * - when it is still ahead (the normal case), creates it and every later
 *   occurrence up to `nowMs + lookaheadMs`, at most `maxOccurrences` of them;
 * - when it has already passed (no controller ran, or none kept up), creates only
 *   the latest occurrence that has passed, not every one that was missed: after a
 *   day of downtime a once-a-minute schedule fires once, late, not 1,440 times.
 *   That one timer is then fired like any late timer. The ones skipped are
 *   reported (`missedFrom`), never created.
 *
 * `nextRunAt` is the first occurrence after those created, or null when the rule
 * never fires again.
 */
import type { CronRule } from './cron';

export interface OccurrencePlan {
  /** Occurrence times (ms since the epoch) to create as timers, oldest first. */
  occurrences: number[];
  /** The schedule's next_run_at afterwards. */
  nextRunAt: number | null;
  /** When occurrences were skipped: the first one skipped (the old next_run_at). */
  missedFrom: number | null;
}

export function planOccurrences(
  rule: CronRule,
  nextRunAt: number,
  nowMs: number,
  lookaheadMs: number,
  maxOccurrences: number,
): OccurrencePlan {
  let next: number | null = nextRunAt;
  let missedFrom: number | null = null;
  if (next <= nowMs) {
    const latest = rule.latestAtOrBefore(nowMs) ?? next;
    if (latest > next) missedFrom = next;
    next = Math.max(latest, next);
  }
  const occurrences: number[] = [];
  while (next !== null && next <= nowMs + lookaheadMs && occurrences.length < maxOccurrences) {
    occurrences.push(next);
    next = rule.nextAfter(next);
  }
  return { occurrences, nextRunAt: next, missedFrom };
}
