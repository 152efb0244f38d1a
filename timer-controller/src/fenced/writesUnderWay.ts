/**
 * The fenced writes under way, each kept until it lands. A webhook that was sent
 * must have its outcome recorded, or its lease will expire and another controller
 * will send it again. So a write that fails because the database is away is
 * retried with capped back-off (on the injected clock) until it lands or
 * settle() gives up. While a write is under way its timers may still read
 * 'firing' in the database, and are ours: ids() says which.
 */
import { errorFields, exponentialDelay, settlesWithin } from '@timer/shared';
import type { Claims, ClaimRef, Clock, Logger, Metrics } from '@timer/shared';

/**
 * Told once an outcome's write is over: `landed` false when it was given up, or
 * the lease had been lost (another controller owns the timer). Tracing ends the
 * outcome's span with it.
 */
export type OnRecorded = (landed: boolean) => void;

export interface WritesUnderWayOptions {
  /** Asked which rows another controller took, when a write changed fewer than it fenced. */
  claims: Pick<Claims, 'takenOver'>;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  retryBaseMs: number;
  retryMaxMs: number;
  /** The back-off's jitter. */
  random?: () => number;
  /** A write under these claims has landed (or been given up): their slots in limited flows can be freed. */
  onLanded?: (claims: readonly ClaimRef[]) => void;
}

export class WritesUnderWay {
  /** Each write under way, with the claims it records. */
  private readonly writes = new Map<Promise<void>, readonly ClaimRef[]>();
  private readonly giveUp = new AbortController();

  constructor(private readonly options: WritesUnderWayOptions) {}

  /**
   * Runs a fenced write until it lands. `outcome` names it in the logs;
   * `writeOnce` answers how many rows it changed.
   */
  run(
    outcome: string,
    claims: readonly ClaimRef[],
    writeOnce: () => Promise<number>,
    recorded: readonly OnRecorded[] = [],
  ): Promise<void> {
    const task = this.untilLanded(outcome, claims, writeOnce).then((landed) => {
      for (const done of recorded) done(landed);
    });
    this.writes.set(task, claims);
    void task.finally(() => {
      this.writes.delete(task);
      this.options.onLanded?.(claims);
    });
    return task;
  }

  /** Waits up to `timeoutMs` for every write under way; then gives up retrying them. True when all landed in time. */
  async settle(timeoutMs: number): Promise<boolean> {
    const done = await settlesWithin(this.options.clock, Promise.all([...this.writes.keys()]), timeoutMs);
    if (!done) {
      this.giveUp.abort();
      await Promise.all([...this.writes.keys()]);
    }
    return done;
  }

  /** The timers whose writes are under way. */
  ids(): string[] {
    return [...this.writes.values()].flatMap((claims) => claims.map((c) => c.id));
  }

  get size(): number {
    return this.writes.size;
  }

  /**
   * True when every row was written under its claim. A row a try did not change
   * was either written by an earlier try whose answer was lost, or claimed by
   * another controller since: only the second is a lost lease.
   */
  private async untilLanded(
    outcome: string,
    claims: readonly ClaimRef[],
    writeOnce: () => Promise<number>,
  ): Promise<boolean> {
    const { logger, metrics, clock } = this.options;
    const ids = claims.length === 1 ? { timerId: claims[0].id } : { timerIds: claims.slice(0, 20).map((c) => c.id) };
    for (let attempt = 1; ; attempt++) {
      try {
        const changed = await writeOnce();
        return changed < claims.length ? !(await this.reportTakenOver(outcome, claims)) : true;
      } catch (err) {
        if (this.giveUp.signal.aborted) {
          logger.error('Gave up recording outcomes; their leases will expire and they will be sent again', {
            outcome,
            count: claims.length,
            ...ids,
            ...errorFields(err),
          });
          return false;
        }
        metrics.dbErrors.inc({ operation: 'record' });
        const { retryBaseMs, retryMaxMs, random } = this.options;
        const delayMs = exponentialDelay(attempt, retryBaseMs, retryMaxMs, random);
        logger.warn('Could not record outcome, retrying', {
          outcome,
          count: claims.length,
          delayMs,
          ...errorFields(err),
        });
        await clock.sleep(delayMs, this.giveUp.signal);
      }
    }
  }

  /** True when some lease was lost. */
  private async reportTakenOver(outcome: string, claims: readonly ClaimRef[]): Promise<boolean> {
    const lost = await this.options.claims.takenOver(claims).catch(() => claims.map((c) => c.id));
    if (lost.length === 0) return false;
    this.options.metrics.leasesLost.inc(lost.length);
    this.options.logger.warn('Lease lost before the outcome was recorded; another controller owns the timer', {
      outcome,
      lost: lost.length,
      ...(lost.length === 1 ? { timerId: lost[0] } : { timerIds: lost.slice(0, 20) }),
    });
    return true;
  }
}
