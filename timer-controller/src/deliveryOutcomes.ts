/**
 * What happens to a claimed timer once its moment comes: skipped under its
 * missed-fire policy, or sent and then recorded as delivered, retried (after its
 * retry schedule or the receiver's Retry-After) or failed, each outcome with the
 * attempt that led to it. Metrics and log lines go with each decision.
 */
import { errorFields } from '@timer/shared';
import type { AttemptRecord, ClaimedTimer, Clock, DbClock, Logger, Metrics } from '@timer/shared';
import type { ActivityLog } from './activity';
import { DeliveryError } from './answers';
import { attemptRecord, SendStart } from './attemptRecord';
import type { OutcomeRecorder } from './outcomes';
import { nextStep, RetryDefaults } from './retryPolicy';

export interface DeliveryOutcomesDeps {
  retryDefaults: RetryDefaults;
  logger: Logger;
  metrics: Metrics;
  activity: ActivityLog;
  recorder: OutcomeRecorder;
  /** The database's clock: lateness, and the times in the history. */
  dbClock: DbClock;
  /** The host's clock: durations. */
  clock: Clock;
  controllerId: string;
  random?: () => number;
}

export class DeliveryOutcomes {
  /** Set when stop() aborts the requests still in flight: their timers are released, not retried. */
  private abandoning = false;
  /** The attempts of those aborted requests, written with their release. */
  private readonly abandoned: AttemptRecord[] = [];

  constructor(private readonly deps: DeliveryOutcomesDeps) {}

  /** The moment a request leaves. */
  started(timer: ClaimedTimer): SendStart {
    const dbMs = this.deps.dbClock.now();
    return { dbMs, hostMs: this.deps.clock.now(), latenessMs: dbMs - timer.dueAt.getTime() };
  }

  /** From now on a failed request was aborted by the shutdown: kept for its release, not retried. */
  abandon(): void {
    this.abandoning = true;
  }

  takeAbandonedAttempts(): AttemptRecord[] {
    return this.abandoned.splice(0);
  }

  /**
   * The missed-fire policy (on_late "skip"), decided at send time on the database
   * clock: later than max_lateness_seconds past fire_at, the timer is skipped, not
   * sent. earliestNow errs towards sending when the clock's offset is uncertain.
   */
  skipIfTooLate(timer: ClaimedTimer): boolean {
    if (timer.maxLatenessMs === null) return false;
    const lateMs = this.deps.dbClock.earliestNow() - timer.fireAt.getTime();
    if (lateMs <= timer.maxLatenessMs) return false;
    const reason = `skipped: ${(lateMs / 1000).toFixed(1)} s late, more than max_lateness_seconds ${timer.maxLatenessMs / 1000}`;
    this.deps.metrics.webhooks.inc({ outcome: 'skipped' });
    this.deps.logger.info('Timer too late under its missed-fire policy; skipped', {
      timerId: timer.id,
      lateMs: Math.round(lateMs),
      maxLatenessMs: timer.maxLatenessMs,
      controllerId: this.deps.controllerId,
    });
    this.deps.recorder.markSkipped(timer, reason);
    return true;
  }

  /**
   * Waits for the answer of a request sent at `start`, and records what follows
   * from it. Never rejects: a fault while handling the answer (a bug) fails this
   * timer alone, with the error in last_error, instead of escaping to the caller.
   */
  async settle(timer: ClaimedTimer, result: Promise<number>, start: SendStart): Promise<void> {
    try {
      await this.handle(timer, result, start);
    } catch (err) {
      const reason = `internal error after the request: ${err instanceof Error ? err.message : String(err)}`.slice(
        0,
        500,
      );
      this.deps.logger.error('Could not handle a delivery outcome; the timer is failed', {
        timerId: timer.id,
        controllerId: this.deps.controllerId,
        ...errorFields(err),
      });
      this.deps.metrics.webhooks.inc({ outcome: 'failed' });
      this.deps.recorder.markFailed(timer, reason);
    }
  }

  private async handle(timer: ClaimedTimer, result: Promise<number>, start: SendStart): Promise<void> {
    const { logger, metrics, activity, recorder, controllerId } = this.deps;
    const { latenessMs } = start;
    if (timer.attempt === 1) metrics.fireLateness.observe(Math.max(0, latenessMs) / 1000);
    // The attempt as the Timer-Attempt header and the history number it: it goes on across replays.
    const fields = () => ({ timerId: timer.id, attempt: timer.attemptNumber, controllerId });
    const end = () => ({ dbMs: this.deps.dbClock.now(), hostMs: this.deps.clock.now() });
    try {
      const status = await result;
      const finished = end();
      metrics.webhookDuration.observe((finished.hostMs - start.hostMs) / 1000);
      metrics.webhooks.inc({ outcome: 'delivered' });
      activity.delivered();
      // Checked first: building the fields of a line nobody reads costs more than the send itself.
      if (logger.isDebugEnabled()) logger.debug('Webhook delivered', { ...fields(), status, latenessMs });
      recorder.markFired(timer, attemptRecord(timer, controllerId, start, finished, 'delivered', { status }));
    } catch (err) {
      const finished = end();
      metrics.webhookDuration.observe((finished.hostMs - start.hostMs) / 1000);
      const attempt = (outcome: AttemptRecord['outcome']) =>
        attemptRecord(timer, controllerId, start, finished, outcome, { error: err });
      // Aborted by stop(): the timer is released there, not retried here.
      if (this.abandoning) {
        this.abandoned.push(attempt('released'));
        return;
      }
      const reason = err instanceof Error ? err.message : String(err);
      const detail = err instanceof DeliveryError && err.logDetail ? { detail: err.logDetail } : {};
      const step = nextStep(timer, err, this.deps.retryDefaults, this.deps.random);
      if (step.giveUp) {
        metrics.webhooks.inc({ outcome: 'failed' });
        activity.failed();
        logger.warn('Webhook failed, giving up', {
          ...fields(),
          error: reason,
          ...detail,
          permanent: step.permanent,
        });
        recorder.markFailed(timer, reason, attempt('failed'));
      } else {
        metrics.webhooks.inc({ outcome: 'retry' });
        activity.retried();
        logger.warn('Webhook failed, will retry', { ...fields(), error: reason, ...detail, delayMs: step.delayMs });
        recorder.scheduleRetry(timer, step.delayMs, reason, attempt('retry'));
      }
    }
  }
}
