/**
 * The controller's second loop: every SCHEDULE_POLL_INTERVAL_MS it creates the
 * occurrences of schedules that fall within SCHEDULE_LOOKAHEAD_MS as timers
 * (store.materializeOccurrences), which the claim loop then fires like any other.
 * Every controller runs one; the store's locks and the unique key on (schedule,
 * occurrence) make each occurrence one timer however many do.
 *
 * Which occurrences, after downtime too, is planOccurrences: only the latest of
 * the occurrences missed is created, and the skip is logged.
 */
import {
  Clock,
  Config,
  CronRule,
  DueSchedule,
  errorFields,
  exponentialDelay,
  isCronProblem,
  isTransientDbError,
  Logger,
  Metrics,
  newId,
  OccurrencePlan,
  planOccurrences,
  ScheduleAdvance,
  Store,
} from '@timer/shared';
import { IterationResult, PollLoop } from './pollLoop';

export type OccurrenceConfig = Pick<
  Config,
  | 'controllerId'
  | 'schedulePollIntervalMs'
  | 'scheduleLookaheadMs'
  | 'scheduleBatchSize'
  | 'dbRetryBaseMs'
  | 'dbRetryMaxMs'
>;

export interface OccurrenceMakerDeps {
  config: OccurrenceConfig;
  store: Store;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  /** Called with the earliest occurrence created by a pass (database time, ms). */
  onCreated?: (earliestMs: number) => void;
  random?: () => number;
}

/**
 * Most occurrences of one schedule per pass: bounds one INSERT (a pass of
 * SCHEDULE_BATCH_SIZE schedules stays well under the databases' placeholder
 * limits); a schedule with more due within the lookahead is taken again at once.
 */
export const MAX_OCCURRENCES_PER_PASS = 20;
const RULE_CACHE_SIZE = 1000;

interface Plan {
  advance: ScheduleAdvance;
  missedFrom: number | null;
}

export class OccurrenceMaker {
  private readonly loop: PollLoop;
  private readonly rules = new Map<string, CronRule | null>();

  constructor(private readonly deps: OccurrenceMakerDeps) {
    this.loop = new PollLoop({
      intervalMs: deps.config.schedulePollIntervalMs,
      clock: deps.clock,
      iterate: () => this.pass(),
      onError: (err, failures) => this.onError(err, failures),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** A schedule was created or resumed with an occurrence near: look now. */
  wake(): void {
    this.loop.wake();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async pass(): Promise<IterationResult> {
    const { config, store, logger, metrics } = this.deps;
    const { schedules, nowMs } = await store.schedules.findDue({
      limit: config.scheduleBatchSize,
      lookaheadMs: config.scheduleLookaheadMs,
    });
    const plans = schedules.map((schedule) => this.plan(schedule, nowMs));
    const written = new Set(await store.schedules.createOccurrences(plans.map((p) => p.advance)));
    let created = 0;
    let earliest = Infinity;
    let capped = false;
    for (const { advance, missedFrom } of plans) {
      if (!written.has(advance.schedule.id)) continue;
      const { occurrences, schedule } = advance;
      created += occurrences.length;
      if (occurrences.length > 0) earliest = Math.min(earliest, occurrences[0].at.getTime());
      if (occurrences.length === MAX_OCCURRENCES_PER_PASS) capped = true;
      if (missedFrom !== null) {
        metrics.scheduleCatchUps.inc();
        logger.warn('Schedule missed occurrences; creating only the latest', {
          scheduleId: schedule.id,
          missedFrom: new Date(missedFrom).toISOString(),
          occurrenceAt: occurrences[0]?.at.toISOString(),
          controllerId: config.controllerId,
        });
      }
    }
    metrics.scheduleOccurrences.inc(created);
    if (created > 0) {
      if (logger.isDebugEnabled()) {
        logger.debug('Schedule occurrences created', { count: created, schedules: written.size });
      }
      this.deps.onCreated?.(earliest);
    }
    // Schedules another controller wrote first are not retried at once: their next_run_at has moved on.
    return written.size === config.scheduleBatchSize || capped ? 'again' : 'idle';
  }

  private plan(schedule: DueSchedule, nowMs: number): Plan {
    const rule = this.ruleOf(schedule);
    // A rule this process cannot read (a time zone its ICU does not know) stops
    // the schedule rather than stalling every pass on it; pausing and resuming it retries.
    if (!rule) return { advance: { schedule, occurrences: [], nextRunAt: null }, missedFrom: null };
    const plan: OccurrencePlan = planOccurrences(
      rule,
      schedule.nextRunAt.getTime(),
      nowMs,
      this.deps.config.scheduleLookaheadMs,
      MAX_OCCURRENCES_PER_PASS,
    );
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
      this.deps.logger.error('Schedule rule cannot be read; the schedule stops', {
        scheduleId: schedule.id,
        problem: isCronProblem(parsed) ? parsed.message : undefined,
      });
    }
    if (this.rules.size >= RULE_CACHE_SIZE) this.rules.clear();
    this.rules.set(key, rule);
    return rule;
  }

  private onError(err: unknown, failures: number): number {
    const { config, logger, metrics } = this.deps;
    const delayMs = exponentialDelay(failures, config.dbRetryBaseMs, config.dbRetryMaxMs, this.deps.random);
    metrics.dbErrors.inc({ operation: 'schedules' });
    const fields = { controllerId: config.controllerId, failures, delayMs, ...errorFields(err) };
    if (isTransientDbError(err)) logger.warn('Database unavailable for schedules, backing off', fields);
    else logger.error('Creating schedule occurrences failed', fields);
    return delayMs;
  }
}
