/**
 * Every write made under a claim after it was taken goes through here: the
 * outcomes (fired, retry, failed, skipped) and the hand-backs (releaseUnsent,
 * releaseAbandoned). Each is fenced by owner and lease token in its SQL, and
 * carries the attempt it led to (the delivery history) in the same transaction.
 * Successes, abandoned requests and hand-backs of unsent timers are batched
 * (batch.ts): a breaker that opens makes every held timer of its origin a
 * hand-back at once, thousands of them, and one write each would take every
 * pooled connection from the outcomes. The rest are single-row writes. Each
 * write is kept until it lands (writesUnderWay.ts).
 */
import type { AttemptRecord, Claims, ClaimRef } from '@timer/shared';
import { Batch } from './batch';
import { WritesUnderWay } from './writesUnderWay';
import type { OnRecorded, WritesUnderWayOptions } from './writesUnderWay';

/** Why a timer is handed back before its request started. */
export type UnsentReason = 'shutdown' | 'lease_too_short' | 'given_back' | 'gate' | 'spec_unavailable';

/**
 * Hand-backs that come one timer at a time, possibly thousands together (a breaker
 * opening, the database away while what timers send is read): they wait for the
 * batch window. The others come as one set already and are written at once.
 */
const ONE_AT_A_TIME: ReadonlySet<UnsentReason> = new Set<UnsentReason>(['gate', 'spec_unavailable']);

export interface FencedWritesOptions extends WritesUnderWayOptions {
  claims: Pick<
    Claims,
    'completeFired' | 'scheduleRetry' | 'fail' | 'skip' | 'releaseUnsent' | 'releaseAbandoned' | 'takenOver'
  >;
  owner: string;
  /** The lease claims are given (LEASE_MS): an unsent timer's own due time is read back from it. */
  leaseMs: number;
  /** How long successes wait to be written together. */
  batchWindowMs?: number;
  maxBatch?: number;
}

export class FencedWrites {
  private readonly firedBatch: Batch;
  private readonly abandonedBatch: Batch;
  /** Hand-backs of unsent timers, one batch per reason (the reason names the write in the logs). */
  private readonly unsentBatches = new Map<UnsentReason, Batch>();
  private readonly underWay: WritesUnderWay;

  constructor(private readonly options: FencedWritesOptions) {
    const { owner, claims } = options;
    this.underWay = new WritesUnderWay(options);
    this.firedBatch = this.batch('fired', (batch, attempts) => claims.completeFired(owner, batch, attempts));
    this.abandonedBatch = this.batch('release (abandoned)', (batch, attempts) =>
      claims.releaseAbandoned(owner, batch, attempts),
    );
  }

  /** A batch whose writes, named `outcome` in the logs, are kept until they land. */
  private batch(outcome: string, write: (claims: ClaimRef[], attempts: AttemptRecord[]) => Promise<number>): Batch {
    const { clock, batchWindowMs = 20, maxBatch = 500 } = this.options;
    return new Batch(clock, batchWindowMs, maxBatch, (claims, attempts, recorded) =>
      this.underWay.run(outcome, claims, () => write(claims, attempts), recorded),
    );
  }

  fired(claim: ClaimRef, attempt?: AttemptRecord, recorded?: OnRecorded): void {
    this.firedBatch.add(claim, attempt, recorded);
  }

  retry(claim: ClaimRef, delayMs: number, error: string, attempt?: AttemptRecord, recorded?: OnRecorded): void {
    const { claims, owner } = this.options;
    void this.underWay.run(
      'retry',
      [claim],
      async () => Number(await claims.scheduleRetry(owner, claim, delayMs, error, attempt)),
      recorded && [recorded],
    );
  }

  failed(claim: ClaimRef, error: string, attempt?: AttemptRecord, recorded?: OnRecorded): void {
    const { claims, owner } = this.options;
    void this.underWay.run(
      'fail',
      [claim],
      async () => Number(await claims.fail(owner, claim, error, attempt)),
      recorded && [recorded],
    );
  }

  /** Too late to send under the timer's missed-fire policy: skipped, never sent. */
  skipped(claim: ClaimRef, reason: string): void {
    const { claims, owner } = this.options;
    void this.underWay.run('skip', [claim], async () => Number(await claims.skip(owner, claim, reason)));
  }

  /**
   * Hands back timers whose request never started: their attempt is taken back.
   * Those that come one at a time are written with the others of the same reason
   * in the batch window; resolves once written (or given up).
   */
  releaseUnsent(timers: readonly ClaimRef[], reason: UnsentReason): Promise<void> {
    if (timers.length === 0) return Promise.resolve();
    const batch = this.unsentBatch(reason);
    return new Promise<void>((resolve) => {
      let left = timers.length;
      const recorded = () => {
        if (--left === 0) resolve();
      };
      for (const timer of timers) batch.add(timer, undefined, recorded);
      if (!ONE_AT_A_TIME.has(reason)) batch.flush(true);
    });
  }

  private unsentBatch(reason: UnsentReason): Batch {
    let batch = this.unsentBatches.get(reason);
    if (!batch) {
      const { owner, claims, leaseMs } = this.options;
      batch = this.batch(`release (${reason})`, (timers) => claims.releaseUnsent(owner, timers, leaseMs));
      this.unsentBatches.set(reason, batch);
    }
    return batch;
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
  drain(timeoutMs: number): Promise<boolean> {
    for (const batch of this.batches()) batch.flush(true);
    return this.underWay.settle(timeoutMs);
  }

  /** Timers whose outcome waits to be written: they may still read 'firing', and are ours. */
  recordingIds(): Set<string> {
    return new Set([...this.batches().flatMap((b) => b.ids()), ...this.underWay.ids()]);
  }

  get backlog(): number {
    return this.batches().reduce((n, b) => n + b.size, 0) + this.underWay.size;
  }

  private batches(): Batch[] {
    return [this.firedBatch, this.abandonedBatch, ...this.unsentBatches.values()];
  }
}
