/**
 * Everything delivery tells the world, in one place: a log line and a metric for
 * each decision about a timer, and the periodic activity summary.
 *
 * Each delivery is logged at info ("Webhook delivered": timer id, target host,
 * status, attempt, lateness, duration), up to DELIVERY_LOG_PER_SECOND lines a
 * second per controller: winston formats a line in about 35 µs, more than a
 * delivery costs at thousands a second, so over the bound the deliveries are
 * counted instead and one line a second says how many were not logged one by
 * one. Every retry, failure, skip and hand-back is logged at warn or info, with
 * its timer id, and one line every ten seconds sums up what happened. Every
 * request's lateness and every outcome are also counted in the per-minute
 * delivery rollups (the dashboard's charts), when they are on.
 */
import { errorFields } from '@timer/shared';
import type { ClaimedTimer, Clock, Logger, Metrics, RollupOutcome, TimerHandle } from '@timer/shared';
import { LineBudget } from './lineBudget';

const SUMMARY_INTERVAL_MS = 10_000;

/** Where outcomes are counted per minute (maintenance/minuteRollups.ts). */
export interface DeliveryTally {
  sent(tenant: string, latenessMs: number): void;
  outcome(tenant: string, outcome: RollupOutcome): void;
}

const noTally: DeliveryTally = { sent: () => undefined, outcome: () => undefined };

export class DeliveryLog {
  private counts = { delivered: 0, retried: 0, failed: 0 };
  private summary: TimerHandle | null = null;
  private readonly deliveredLines: LineBudget;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly controllerId: string,
    deliveryLogPerSecond: number,
    private readonly tally: DeliveryTally = noTally,
  ) {
    this.deliveredLines = new LineBudget(clock, deliveryLogPerSecond, (count, windowMs) =>
      this.logger.info('Deliveries not logged one by one', {
        controllerId,
        count,
        intervalMs: windowMs,
        limitPerSecond: deliveryLogPerSecond,
      }),
    );
  }

  start(): void {
    this.summary = this.clock.setTimer(
      SUMMARY_INTERVAL_MS,
      () => {
        this.flush();
        this.start();
      },
      { background: true },
    );
  }

  stop(): void {
    this.clock.clearTimer(this.summary);
    this.summary = null;
    this.deliveredLines.stop();
    this.flush();
  }

  /** The request left: how late it was after its due time (first attempts only count towards lateness). */
  started(timer: ClaimedTimer, latenessMs: number): void {
    if (timer.attempt === 1) this.metrics.fireLateness.observe(Math.max(0, latenessMs) / 1000);
    this.tally.sent(timer.tenant, latenessMs);
  }

  /** `origin`: where the request went (scheme://host:port), never the path, which may hold credentials. */
  delivered(timer: ClaimedTimer, origin: string, status: number, latenessMs: number, durationMs: number): void {
    this.metrics.webhookDuration.observe(durationMs / 1000);
    this.metrics.webhooks.inc({ outcome: 'delivered' });
    this.tally.outcome(timer.tenant, 'delivered');
    this.counts.delivered += 1;
    // Checked first: building the fields of a line nobody reads costs more than the send itself.
    if (!this.logger.isInfoEnabled() || !this.deliveredLines.take()) return;
    this.logger.info('Webhook delivered', {
      timerId: timer.id,
      host: origin.replace(/^[a-z]+:\/\//, ''),
      status,
      attempt: timer.attemptNumber,
      latenessMs: Math.round(latenessMs),
      durationMs: Math.round(durationMs),
      controllerId: this.controllerId,
    });
  }

  /** `detail`: what the client is not told (what a refused name resolved to), for the operator only. */
  retrying(
    timer: ClaimedTimer,
    error: string,
    delayMs: number,
    durationMs: number | null,
    detail: string | null,
  ): void {
    if (durationMs !== null) this.metrics.webhookDuration.observe(durationMs / 1000);
    this.metrics.webhooks.inc({ outcome: 'retry' });
    this.tally.outcome(timer.tenant, 'retried');
    this.counts.retried += 1;
    this.logger.warn('Webhook failed, will retry', {
      ...this.fields(timer),
      error,
      ...(detail ? { detail } : {}),
      delayMs,
    });
  }

  gaveUp(
    timer: ClaimedTimer,
    error: string,
    permanent: boolean,
    durationMs: number | null,
    detail: string | null,
  ): void {
    if (durationMs !== null) this.metrics.webhookDuration.observe(durationMs / 1000);
    this.metrics.webhooks.inc({ outcome: 'failed' });
    this.tally.outcome(timer.tenant, 'failed');
    this.counts.failed += 1;
    this.logger.warn('Webhook failed, giving up', {
      ...this.fields(timer),
      error,
      ...(detail ? { detail } : {}),
      permanent,
    });
  }

  skipped(timer: ClaimedTimer, lateMs: number): void {
    this.metrics.webhooks.inc({ outcome: 'skipped' });
    this.tally.outcome(timer.tenant, 'skipped');
    this.logger.info('Timer too late under its missed-fire policy; skipped', {
      timerId: timer.id,
      lateMs: Math.round(lateMs),
      maxLatenessMs: timer.maxLatenessMs,
      controllerId: this.controllerId,
    });
  }

  leaseTooShort(timers: readonly ClaimedTimer[]): void {
    this.logger.warn('Lease too short to send; released', { controllerId: this.controllerId, ...ids(timers) });
  }

  handedBackByGate(timer: ClaimedTimer, reason: string): void {
    this.logger.info('Timer handed back before sending', { ...this.fields(timer), reason });
  }

  abandoned(timers: readonly ClaimedTimer[]): void {
    this.logger.warn('Shutdown grace over: released timers with requests still in flight', {
      controllerId: this.controllerId,
      ...ids(timers),
    });
  }

  /** What the timer sends could not be read (the database failed): handed back unsent, for a later claim. */
  specUnavailable(timer: ClaimedTimer, err: unknown): void {
    this.logger.warn('Could not read what the timer sends; handed back unsent', {
      ...this.fields(timer),
      ...errorFields(err),
    });
  }

  /** A bug in delivery itself, caught so that it stays one timer's problem. */
  unexpected(timer: ClaimedTimer, err: unknown): void {
    this.logger.error('Delivery failed unexpectedly; the timer is failed', {
      ...this.fields(timer),
      error: err instanceof Error ? err.stack : String(err),
    });
  }

  private fields(timer: ClaimedTimer) {
    // The attempt as the Timer-Attempt header and the history number it: it goes on across replays.
    return { timerId: timer.id, attempt: timer.attemptNumber, controllerId: this.controllerId };
  }

  private flush(): void {
    const { delivered, retried, failed } = this.counts;
    if (delivered + retried + failed === 0) return;
    this.logger.info('Webhook activity', {
      controllerId: this.controllerId,
      intervalS: SUMMARY_INTERVAL_MS / 1000,
      delivered,
      retried,
      failed,
    });
    this.counts = { delivered: 0, retried: 0, failed: 0 };
  }
}

function ids(timers: readonly ClaimedTimer[]) {
  return { count: timers.length, timerIds: timers.slice(0, 20).map((t) => t.id) };
}
