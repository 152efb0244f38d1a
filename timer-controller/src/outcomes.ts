/**
 * Records delivery outcomes in the database, fenced by the claim that produced
 * them, each with the attempt that led to it (the delivery history) in the same
 * transaction. Successes are batched (one UPDATE and one INSERT for everything
 * delivered in the last few milliseconds); retries, failures and skips are
 * single-row updates.
 *
 * A webhook that was sent must have its outcome recorded, or its lease will
 * expire and another controller will send it again. So a write that fails because
 * the database is away is kept and retried with capped back-off until it lands or
 * the process is told to give up.
 */
import { Clock, errorFields, exponentialDelay, Logger, Metrics, settlesWithin, Store } from '@timer/shared';
import type { AttemptRecord, ClaimRef } from '@timer/shared';

export interface OutcomeRecorderOptions {
  store: Store;
  owner: string;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  retryBaseMs: number;
  retryMaxMs: number;
  /** The lease claims are given (LEASE_MS): releases restore an unsent timer's due time from it. */
  leaseMs: number;
  /** How long successes wait to be batched together. */
  batchWindowMs?: number;
  maxBatch?: number;
}

export class OutcomeRecorder {
  private fired: ClaimRef[] = [];
  private firedAttempts: AttemptRecord[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /** Writes under way, each with the claims it records: those timers may still read 'firing', and are ours. */
  private readonly pending = new Map<Promise<void>, readonly ClaimRef[]>();
  private giveUp = new AbortController();

  constructor(private readonly options: OutcomeRecorderOptions) {}

  markFired(claim: ClaimRef, attempt?: AttemptRecord): void {
    this.fired.push(claim);
    if (attempt) this.firedAttempts.push(attempt);
    if (this.fired.length >= (this.options.maxBatch ?? 500)) this.flushFired();
    else this.flushTimer ??= setTimeout(() => this.flushFired(), this.options.batchWindowMs ?? 20);
  }

  scheduleRetry(claim: ClaimRef, delayMs: number, error: string, attempt?: AttemptRecord): void {
    this.track('retry', [claim], async () => {
      const ok = await this.options.store.claims.scheduleRetry(this.options.owner, claim, delayMs, error, attempt);
      return ok ? 1 : 0;
    });
  }

  markFailed(claim: ClaimRef, error: string, attempt?: AttemptRecord): void {
    this.track('fail', [claim], async () =>
      (await this.options.store.claims.fail(this.options.owner, claim, error, attempt)) ? 1 : 0,
    );
  }

  /** Too late to send under the timer's missed-fire policy: skipped, never sent. */
  markSkipped(claim: ClaimRef, reason: string): void {
    this.track('skip', [claim], async () =>
      (await this.options.store.claims.skip(this.options.owner, claim, reason)) ? 1 : 0,
    );
  }

  /** Hands back timers whose request was never started: their attempt is taken back. */
  releaseUnsent(claims: ClaimRef[]): void {
    if (claims.length === 0) return;
    this.track('release', claims, () =>
      this.options.store.claims.releaseUnsent(this.options.owner, claims, this.options.leaseMs),
    );
  }

  /** Hands back timers whose request a shutdown aborted, with those attempts for the history. */
  releaseAbandoned(claims: ClaimRef[], attempts: AttemptRecord[]): void {
    if (claims.length === 0) return;
    this.track('release', claims, () =>
      this.options.store.claims.releaseAbandoned(this.options.owner, claims, attempts),
    );
  }

  /** Waits until everything recorded so far has landed, or until `timeoutMs` passes. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.flushFired();
    const done = await settlesWithin(this.options.clock, Promise.all([...this.pending.keys()]), timeoutMs);
    if (!done) {
      this.giveUp.abort();
      await Promise.all([...this.pending.keys()]);
    }
    return done;
  }

  /** Timers whose outcome waits to be written: they may still read 'firing', and are ours. */
  recordingIds(): Set<string> {
    const ids = new Set(this.fired.map((c) => c.id));
    for (const claims of this.pending.values()) for (const c of claims) ids.add(c.id);
    return ids;
  }

  get backlog(): number {
    return this.fired.length + this.pending.size;
  }

  private flushFired(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.fired.length === 0) return;
    const batch = this.fired;
    const attempts = this.firedAttempts;
    this.fired = [];
    this.firedAttempts = [];
    this.track('fired', batch, () => this.options.store.claims.completeFired(this.options.owner, batch, attempts));
  }

  /**
   * Runs a fenced write until it lands. A row it did not change was either
   * written by an earlier try whose answer was lost, or claimed by another
   * controller since: only the second is a lost lease.
   */
  private track(outcome: string, claims: readonly ClaimRef[], writeOnce: () => Promise<number>): void {
    const { logger } = this.options;
    const task = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const changed = await writeOnce();
          if (changed < claims.length) await this.reportTakenOver(outcome, claims);
          return;
        } catch (err) {
          if (this.giveUp.signal.aborted) {
            logger.error('Gave up recording outcomes; their leases will expire and they will be sent again', {
              outcome,
              count: claims.length,
              ...(claims.length === 1 ? { timerId: claims[0].id } : { timerIds: claims.slice(0, 20).map((c) => c.id) }),
              ...errorFields(err),
            });
            return;
          }
          this.options.metrics.dbErrors.inc({ operation: 'record' });
          const delayMs = exponentialDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs);
          logger.warn('Could not record outcome, retrying', {
            outcome,
            count: claims.length,
            delayMs,
            ...errorFields(err),
          });
          await this.options.clock.sleep(delayMs, this.giveUp.signal);
        }
      }
    })();
    this.pending.set(task, claims);
    void task.finally(() => this.pending.delete(task));
  }

  private async reportTakenOver(outcome: string, claims: readonly ClaimRef[]): Promise<void> {
    const lost = await this.options.store.claims.takenOver(claims).catch(() => claims.map((c) => c.id));
    if (lost.length === 0) return;
    this.options.metrics.leasesLost.inc(lost.length);
    this.options.logger.warn('Lease lost before the outcome was recorded; another controller owns the timer', {
      outcome,
      lost: lost.length,
      ...(lost.length === 1 ? { timerId: lost[0] } : { timerIds: lost.slice(0, 20) }),
    });
  }
}
