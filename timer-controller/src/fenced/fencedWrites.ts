/**
 * Every write made under a claim after it was taken goes through here: the
 * outcomes (fired, retry, failed, skipped) and the hand-backs (releaseUnsent,
 * releaseAbandoned). Each is fenced by owner and lease token in its SQL, and
 * carries the attempt it led to (the delivery history) in the same transaction.
 * Successes and abandoned requests are batched (batch.ts); the rest are
 * single-row writes.
 *
 * A webhook that was sent must have its outcome recorded, or its lease will
 * expire and another controller will send it again. So a write that fails
 * because the database is away is kept and retried with capped back-off (on the
 * injected clock) until it lands or drain() gives up.
 */
import { errorFields, exponentialDelay, settlesWithin } from '@timer/shared';
import type { AttemptRecord, Claims, ClaimRef, Clock, Logger, Metrics } from '@timer/shared';
import { Batch } from './batch';

/**
 * Told once an outcome's write is over: `landed` false when it was given up, or
 * the lease had been lost (another controller owns the timer). Tracing ends the
 * outcome's span with it.
 */
export type OnRecorded = (landed: boolean) => void;

/** Why a timer is handed back before its request started. */
export type UnsentReason = 'shutdown' | 'lease_too_short' | 'given_back' | 'gate' | 'spec_unavailable';

export interface FencedWritesOptions {
  claims: Pick<
    Claims,
    'completeFired' | 'scheduleRetry' | 'fail' | 'skip' | 'releaseUnsent' | 'releaseAbandoned' | 'takenOver'
  >;
  owner: string;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  retryBaseMs: number;
  retryMaxMs: number;
  /** The lease claims are given (LEASE_MS): an unsent timer's own due time is read back from it. */
  leaseMs: number;
  /** How long successes wait to be written together. */
  batchWindowMs?: number;
  maxBatch?: number;
  /** The back-off's jitter. */
  random?: () => number;
  /** A write under these claims has landed (or been given up): their slots in limited flows can be freed. */
  onLanded?: (claims: readonly ClaimRef[]) => void;
}

export class FencedWrites {
  private readonly firedBatch: Batch;
  private readonly abandonedBatch: Batch;
  /** Writes under way, each with the claims it records: those timers may still read 'firing', and are ours. */
  private readonly pending = new Map<Promise<void>, readonly ClaimRef[]>();
  private readonly giveUp = new AbortController();

  constructor(private readonly options: FencedWritesOptions) {
    const { clock, owner, claims } = options;
    const windowMs = options.batchWindowMs ?? 20;
    const maxBatch = options.maxBatch ?? 500;
    this.firedBatch = new Batch(clock, windowMs, maxBatch, (batch, attempts, recorded) => {
      void this.track('fired', batch, () => claims.completeFired(owner, batch, attempts), recorded);
    });
    this.abandonedBatch = new Batch(clock, windowMs, maxBatch, (batch, attempts, recorded) => {
      void this.track('release (abandoned)', batch, () => claims.releaseAbandoned(owner, batch, attempts), recorded);
    });
  }

  fired(claim: ClaimRef, attempt?: AttemptRecord, recorded?: OnRecorded): void {
    this.firedBatch.add(claim, attempt, recorded);
  }

  retry(claim: ClaimRef, delayMs: number, error: string, attempt?: AttemptRecord, recorded?: OnRecorded): void {
    const { claims, owner } = this.options;
    void this.track(
      'retry',
      [claim],
      async () => Number(await claims.scheduleRetry(owner, claim, delayMs, error, attempt)),
      recorded && [recorded],
    );
  }

  failed(claim: ClaimRef, error: string, attempt?: AttemptRecord, recorded?: OnRecorded): void {
    const { claims, owner } = this.options;
    void this.track(
      'fail',
      [claim],
      async () => Number(await claims.fail(owner, claim, error, attempt)),
      recorded && [recorded],
    );
  }

  /** Too late to send under the timer's missed-fire policy: skipped, never sent. */
  skipped(claim: ClaimRef, reason: string): void {
    const { claims, owner } = this.options;
    void this.track('skip', [claim], async () => Number(await claims.skip(owner, claim, reason)));
  }

  /** Hands back timers whose request never started: their attempt is taken back. Resolves once written (or given up). */
  releaseUnsent(timers: readonly ClaimRef[], reason: UnsentReason): Promise<void> {
    if (timers.length === 0) return Promise.resolve();
    const { claims, owner, leaseMs } = this.options;
    return this.track(`release (${reason})`, timers, () => claims.releaseUnsent(owner, timers, leaseMs));
  }

  /**
   * Hands back timers a claim whose answer was lost left us holding without
   * knowing it (claimsInDoubt.ts). One try, not kept until it lands: if it fails,
   * the claimer fails its iteration, backs off, and asks the database again.
   * Returns how many were handed back.
   */
  releaseClaimedInDoubt(timers: readonly ClaimRef[]): Promise<number> {
    const { claims, owner, leaseMs } = this.options;
    return claims.releaseUnsent(owner, timers, leaseMs);
  }

  /** Hands back a timer whose request a shutdown aborted; the attempt goes into the history. */
  releaseAbandoned(claim: ClaimRef, attempt: AttemptRecord, recorded?: OnRecorded): void {
    this.abandonedBatch.add(claim, attempt, recorded);
  }

  /** Waits until everything recorded so far has landed, or until `timeoutMs` passes. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.firedBatch.flush();
    this.abandonedBatch.flush();
    const done = await settlesWithin(this.options.clock, Promise.all([...this.pending.keys()]), timeoutMs);
    if (!done) {
      this.giveUp.abort();
      await Promise.all([...this.pending.keys()]);
    }
    return done;
  }

  /** Timers whose outcome waits to be written: they may still read 'firing', and are ours. */
  recordingIds(): Set<string> {
    const ids = new Set([...this.firedBatch.ids(), ...this.abandonedBatch.ids()]);
    for (const claims of this.pending.values()) for (const c of claims) ids.add(c.id);
    return ids;
  }

  get backlog(): number {
    return this.firedBatch.size + this.abandonedBatch.size + this.pending.size;
  }

  /**
   * Runs a fenced write until it lands. A row it did not change was either
   * written by an earlier try whose answer was lost, or claimed by another
   * controller since: only the second is a lost lease.
   */
  private track(
    outcome: string,
    claims: readonly ClaimRef[],
    writeOnce: () => Promise<number>,
    recorded: readonly OnRecorded[] = [],
  ): Promise<void> {
    const task = this.untilLanded(outcome, claims, writeOnce).then((landed) => {
      for (const done of recorded) done(landed);
    });
    this.pending.set(task, claims);
    void task.finally(() => {
      this.pending.delete(task);
      this.options.onLanded?.(claims);
    });
    return task;
  }

  /** True when every row was written under its claim. */
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
