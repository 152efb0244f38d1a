/**
 * The controller's second loop: every SCHEDULE_POLL_INTERVAL_MS it reads the
 * schedules whose next occurrence falls within SCHEDULE_LOOKAHEAD_MS, plans
 * their occurrences (occurrencePlanner.ts), and writes them as timers in one
 * store call, which the claimer then fires like any other. Every controller
 * runs one; the write's lock, its fence on next_run_at and the unique key on
 * (schedule, occurrence) make each occurrence one timer however many do.
 */
import { errorFields, exponentialDelay, isTransientDbError } from '@timer/shared';
import { noTracing } from '@timer/shared';
import type { Clock, Config, Logger, Metrics, Schedules, Span, Tenants, Timers, Tracing } from '@timer/shared';
import { Nudges } from '../claim/nudges';
import { IterationResult, PollLoop } from '../pollLoop';
import { MAX_OCCURRENCES_PER_PASS, OccurrencePlanner, Plan } from './occurrencePlanner';
import { applyPendingQuota } from './occurrenceQuota';

export type OccurrenceConfig = Pick<
  Config,
  | 'controllerId'
  | 'schedulePollIntervalMs'
  | 'scheduleLookaheadMs'
  | 'scheduleBatchSize'
  | 'dbRetryBaseMs'
  | 'dbRetryMaxMs'
  | 'nudgeMinIntervalMs'
  | 'maxPendingPerKey'
>;

export interface OccurrenceLoopDeps {
  config: OccurrenceConfig;
  store: {
    schedules: Pick<Schedules, 'findDue' | 'createOccurrences'>;
    timers: Pick<Timers, 'countLiveOfTenant'>;
    tenants: Pick<Tenants, 'find'>;
  };
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  /** Each occurrence starts a trace of its own, linked to the schedule's creation (README "Tracing"). */
  tracing?: Tracing;
  /** Called with the earliest occurrence created by a pass (database time, ms). */
  onCreated?: (earliestMs: number) => void;
  random?: () => number;
}

export class OccurrenceLoop {
  private readonly loop: PollLoop;
  private readonly nudges: Nudges;
  private readonly planner: OccurrencePlanner;

  constructor(private readonly deps: OccurrenceLoopDeps) {
    this.planner = new OccurrencePlanner(deps.config.scheduleLookaheadMs, deps.logger);
    this.loop = new PollLoop({
      intervalMs: deps.config.schedulePollIntervalMs,
      clock: deps.clock,
      iterate: () => this.pass(),
      onError: (err, failures) => this.onError(err, failures),
    });
    this.nudges = new Nudges(deps.clock, deps.config.nudgeMinIntervalMs, () => this.loop.wake());
  }

  start(): void {
    this.loop.start();
  }

  /** A schedule was created or resumed with an occurrence near: look soon (nudges coalesce, as the claimer's do). */
  nudge(): void {
    this.nudges.nudge();
  }

  stop(): Promise<void> {
    this.nudges.stop();
    return this.loop.stop();
  }

  private async pass(): Promise<IterationResult> {
    const { config, store, logger, metrics } = this.deps;
    const { schedules, nowMs } = await store.schedules.findDue({
      limit: config.scheduleBatchSize,
      lookaheadMs: config.scheduleLookaheadMs,
    });
    const plans = schedules.map((schedule) => this.planner.plan(schedule, nowMs));
    await applyPendingQuota(plans, {
      maxPendingOf: async (tenant) => (await store.tenants.find(tenant))?.maxPending ?? config.maxPendingPerKey,
      countLive: (tenant) => store.timers.countLiveOfTenant(tenant),
      logger,
      controllerId: config.controllerId,
    });
    const spans = this.traceOccurrences(plans.map((p) => p.advance));
    const written = new Set(await store.schedules.createOccurrences(plans.map((p) => p.advance)));
    // Only occurrences that now exist as timers end (and so are exported) their spans.
    for (const [scheduleId, scheduleSpans] of spans) {
      if (written.has(scheduleId)) for (const span of scheduleSpans) span.end();
    }
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
    // Schedules another controller wrote first are not looked at again at once: their next_run_at moved on.
    return written.size === config.scheduleBatchSize || capped ? 'again' : 'idle';
  }

  /**
   * A span per occurrence, in a new trace linked to the schedule's creation; its
   * context is stored with the occurrence's timer, so the timer's deliveries
   * continue that trace. Returned per schedule, to be ended once written.
   */
  private traceOccurrences(advances: Plan['advance'][]): Map<string, Span[]> {
    const spans = new Map<string, Span[]>();
    const tracing = this.deps.tracing ?? noTracing;
    if (!tracing.enabled) return spans;
    for (const { schedule, occurrences } of advances) {
      const scheduleSpans = occurrences.map((occurrence) => {
        const span = tracing.startSpan('schedule.occurrence', {
          parent: null,
          links: [schedule.trace],
          attributes: {
            'schedule.id': schedule.id,
            'timer.id': occurrence.id,
            'schedule.occurrence_at': occurrence.at.toISOString(),
          },
        });
        occurrence.trace = span.context;
        return span;
      });
      spans.set(schedule.id, scheduleSpans);
    }
    return spans;
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
