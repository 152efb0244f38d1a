/**
 * The retention cleanup: deletes timers that finished (fired, failed, canceled,
 * skipped) more than RETENTION_DAYS ago, with their delivery history,
 * Idempotency-Keys older than 24 hours, and delivery rollups older than
 * ROLLUP_RETENTION_DAYS. Every controller runs this loop, but each
 * round only one of them does the work: the one whose claimMaintenance UPDATE
 * changed the `cleanup` row (at most one per CLEANUP_INTERVAL_MS, fleet-wide).
 * Deletes go in bounded batches, so locks stay short while the service works on,
 * and a run stops after MAX_BATCHES_PER_RUN; the next run goes on from there.
 */
import { errorFields } from '@timer/shared';
import type { Clock, Fleet, Logger } from '@timer/shared';
import { PollLoop } from '../pollLoop';

const JOB = 'cleanup';
const MAX_BATCHES_PER_RUN = 100;
const DAY_MS = 24 * 3600 * 1000;

export interface CleanupOptions {
  fleet: Pick<Fleet, 'claimMaintenance' | 'deleteFinishedTimers' | 'deleteExpiredIdempotencyKeys' | 'deleteOldRollups'>;
  logger: Logger;
  clock: Clock;
  controllerId: string;
  /** 0: finished timers are kept forever (Idempotency-Keys still expire). */
  retentionDays: number;
  /** How long delivery rollups are kept; 0: none are written, and none are deleted. */
  rollupRetentionDays?: number;
  intervalMs: number;
  batchSize: number;
}

export interface CleanupRun {
  timers: number;
  idempotencyKeys: number;
  rollups: number;
}

export class Cleanup {
  private readonly loop: PollLoop;
  private stopping = false;

  constructor(private readonly options: CleanupOptions) {
    // Checking twice per interval keeps the fleet's runs between one and one and a half intervals apart.
    this.loop = new PollLoop({
      intervalMs: Math.ceil(options.intervalMs / 2),
      clock: options.clock,
      iterate: async () => {
        await this.runOnce();
        return 'idle';
      },
      onError: (err) => {
        options.logger.warn('Cleanup failed; will try again', {
          controllerId: options.controllerId,
          ...errorFields(err),
        });
        return options.intervalMs;
      },
    });
  }

  start(): void {
    this.stopping = false;
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop.stop();
  }

  /** Runs the job if this controller wins the round; null when another ran it recently. */
  async runOnce(): Promise<CleanupRun | null> {
    const { fleet, controllerId, intervalMs, batchSize, retentionDays, rollupRetentionDays = 0 } = this.options;
    if (!(await fleet.claimMaintenance({ name: JOB, runner: controllerId, intervalMs }))) return null;
    const retentionMs = retentionDays * DAY_MS;
    const run: CleanupRun = {
      timers:
        retentionDays > 0
          ? await this.inBatches(() => fleet.deleteFinishedTimers({ retentionMs, limit: batchSize }))
          : 0,
      idempotencyKeys: await this.inBatches(() => fleet.deleteExpiredIdempotencyKeys(batchSize)),
      rollups:
        rollupRetentionDays > 0
          ? await this.inBatches(() =>
              fleet.deleteOldRollups({ retentionMs: rollupRetentionDays * DAY_MS, limit: batchSize }),
            )
          : 0,
    };
    if (run.timers > 0 || run.idempotencyKeys > 0 || run.rollups > 0) {
      this.options.logger.info('Cleanup deleted old rows', { controllerId, retentionDays, ...run });
    }
    return run;
  }

  /** Repeats a bounded DELETE while its batches come back full. */
  private async inBatches(deleteBatch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !this.stopping; batch++) {
      const deleted = await deleteBatch();
      total += deleted;
      if (deleted < this.options.batchSize) break;
    }
    return total;
  }
}
