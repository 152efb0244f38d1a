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
  OccurrencePlan,
  planOccurrences,
  ScheduleAdvance,
  TimerStore,
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
  | 'nudgeMinIntervalMs'
>;

export interface OccurrenceMakerDeps {
  config: OccurrenceConfig;
  store: TimerStore;
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

type Plan = ScheduleAdvance & { missedFrom: number | null };

export class OccurrenceMaker {
  private readonly loop: PollLoop;
  private readonly rules = new Map<string, CronRule | null>();

  constructor(private readonly deps: OccurrenceMakerDeps) {
    this.loop = new PollLoop({
      intervalMs: deps.config.schedulePollIntervalMs,
      clock: deps.clock,
      iterate: () => this.pass(),
      onError: (err, failures) => this.onError(err, failures),
      minNudgeSpacingMs: deps.config.nudgeMinIntervalMs,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** A schedule was created or resumed with an occurrence near: look soon (nudges are coalesced). */
  nudge(): void {
    this.loop.nudge();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async pass(): Promise<IterationResult> {
    const { config, store, logger, metrics } = this.deps;
    const { planned, advanced } = await store.materializeOccurrences(
      { limit: config.scheduleBatchSize, lookaheadMs: config.scheduleLookaheadMs },
      (schedule, nowMs) => this.plan(schedule, nowMs),
    );
    let created = 0;
    let earliest = Infinity;
    let capped = false;
    for (const { schedule, plan } of planned) {
      created += plan.occurrences.length;
      if (plan.occurrences.length > 0) earliest = Math.min(earliest, plan.occurrences[0].getTime());
      if (plan.occurrences.length === MAX_OCCURRENCES_PER_PASS) capped = true;
      if (plan.missedFrom !== null) {
        metrics.scheduleCatchUps.inc();
        logger.warn('Schedule missed occurrences; creating only the latest', {
          scheduleId: schedule.id,
          missedFrom: new Date(plan.missedFrom).toISOString(),
          occurrenceAt: plan.occurrences[0]?.toISOString(),
          controllerId: config.controllerId,
        });
      }
    }
    // The rows were locked from read to write, so this only happens if something outside the
    // protocol moved a schedule; its occurrences, unique per schedule and time, stay as they are.
    if (advanced < planned.length) {
      logger.warn('Schedules changed while their occurrences were created; left as they are', {
        count: planned.length - advanced,
        controllerId: config.controllerId,
      });
    }
    metrics.scheduleOccurrences.inc(created);
    if (created > 0) {
      if (logger.isDebugEnabled()) {
        logger.debug('Schedule occurrences created', { count: created, schedules: planned.length });
      }
      this.deps.onCreated?.(earliest);
    }
    return planned.length === config.scheduleBatchSize || capped ? 'again' : 'idle';
  }

  private plan(schedule: DueSchedule, nowMs: number): Plan {
    const rule = this.ruleOf(schedule);
    // A rule this process cannot read (a time zone its ICU does not know) stops
    // the schedule rather than stalling every pass on it; pausing and resuming it retries.
    if (!rule) return { occurrences: [], nextRunAt: null, missedFrom: null };
    const plan: OccurrencePlan = planOccurrences(
      rule,
      schedule.nextRunAt.getTime(),
      nowMs,
      this.deps.config.scheduleLookaheadMs,
      MAX_OCCURRENCES_PER_PASS,
    );
    return {
      occurrences: plan.occurrences.map((ms) => new Date(ms)),
      nextRunAt: plan.nextRunAt === null ? null : new Date(plan.nextRunAt),
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
