/**
 * What one pass creates for a schedule it read: its occurrences up to the
 * lookahead, each with the timer id minted for it, and where the schedule goes
 * on. After downtime only the latest missed occurrence is created
 * (planOccurrences says which, and from when the others were skipped).
 * Parsed rules are cached per expression and time zone.
 */
import { CronRule, isCronProblem, newId, planOccurrences } from '@timer/shared';
import type { DueSchedule, Logger, ScheduleAdvance } from '@timer/shared';

/**
 * Most occurrences of one schedule per pass: bounds one INSERT (a pass of
 * SCHEDULE_BATCH_SIZE schedules stays well under the databases' placeholder
 * limits); a schedule with more due within the lookahead is taken again at once.
 */
export const MAX_OCCURRENCES_PER_PASS = 20;
const RULE_CACHE_SIZE = 1000;

export interface Plan {
  advance: ScheduleAdvance;
  /** When occurrences were skipped (downtime): the first one skipped. */
  missedFrom: number | null;
}

export class OccurrencePlanner {
  private readonly rules = new Map<string, CronRule | null>();

  constructor(
    private readonly lookaheadMs: number,
    private readonly logger: Logger,
  ) {}

  plan(schedule: DueSchedule, nowMs: number): Plan {
    const rule = this.ruleOf(schedule);
    // A rule this process cannot read (a time zone its ICU does not know) stops
    // the schedule rather than stalling every pass on it; pausing and resuming it retries.
    if (!rule) return { advance: { schedule, occurrences: [], nextRunAt: null }, missedFrom: null };
    const plan = planOccurrences(rule, schedule.nextRunAt.getTime(), nowMs, this.lookaheadMs, MAX_OCCURRENCES_PER_PASS);
    return {
      advance: {
        schedule,
        occurrences: plan.occurrences.map((ms) => ({ id: newId(), at: new Date(ms) })),
        nextRunAt: plan.nextRunAt === null ? null : new Date(plan.nextRunAt),
      },
      missedFrom: plan.missedFrom,
    };
  }

  private ruleOf(schedule: DueSchedule): CronRule | null {
    const key = `${schedule.timezone} ${schedule.cron}`;
    if (this.rules.has(key)) return this.rules.get(key)!;
    const parsed = CronRule.parse(schedule.cron, schedule.timezone);
    const rule = isCronProblem(parsed) ? null : parsed;
    if (!rule) {
      this.logger.error('Schedule rule cannot be read; the schedule stops', {
        scheduleId: schedule.id,
        problem: isCronProblem(parsed) ? parsed.message : undefined,
      });
    }
    if (this.rules.size >= RULE_CACHE_SIZE) this.rules.clear();
    this.rules.set(key, rule);
    return rule;
  }
}
