/**
 * A tenant's creates per second (its creates_per_second, or CREATES_PER_SECOND),
 * counted across every api process. A create over it is answered 429
 * `create_rate_exceeded` with Retry-After: 1, and writes nothing.
 *
 * How it is counted: seconds on the database clock. Each process counts its own
 * creates per tenant in memory (a create costs no query), and every SYNC_MS
 * writes its counts for the current second to its own rows of tenant_creates and
 * reads the sum of the other processes' rows for the same tenants and second. A
 * create is admitted while its process's count plus the others' last read stays
 * under the rate. No row is written by two processes, so a tenant's creates never
 * queue on one counter row. Until its first read in a new second a process
 * allows only its share (the rate divided by the processes seen in the second
 * before), so the fleet can exceed the rate by at most what the other processes
 * admit within one SYNC_MS.
 */
import type { Clock, Logger, Tenants, TimerHandle } from '@timer/shared';
import { errorFields } from '@timer/shared';
import { AppError } from '../errors';

export const SYNC_MS = 100;
/** Rows are kept this many seconds, then deleted by their process. */
const KEEP_SECONDS = 60;

type Store = Pick<Tenants, 'reportCreates' | 'othersCreates' | 'deleteOldCreates'>;

export class CreateRate {
  private second = 0;
  private readonly mine = new Map<string, number>();
  private others = new Map<string, number>();
  /** Whether the others' counts were read in the current second. */
  private synced = false;
  /** Processes (this one included) seen creating in the last second read. */
  private processes = 1;
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private lastCleanup = 0;

  constructor(
    private readonly deps: {
      tenants: Store;
      /** This process's name in tenant_creates. */
      apiId: string;
      /** The database's clock: every process counts the same seconds. */
      dbClock: Clock;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /**
   * Counts `count` creates of `tenant` (a batch counts as its size), or throws
   * create_rate_exceeded. `rate` 0: no limit.
   */
  admit(tenant: string, rate: number, count = 1): void {
    if (rate === 0) return;
    if (count > rate) {
      throw new AppError(
        'create_rate_exceeded',
        `A batch of ${count} timers is more than this tenant's ${rate} creates a second; send smaller batches.`,
      );
    }
    this.roll();
    const mine = this.mine.get(tenant) ?? 0;
    const allowed = this.synced ? rate - (this.others.get(tenant) ?? 0) : Math.ceil(rate / this.processes);
    if (mine + count > allowed) {
      throw new AppError(
        'create_rate_exceeded',
        `This tenant may create ${rate} timers a second across the service; retry in a second.`,
      );
    }
    this.mine.set(tenant, mine + count);
    this.schedule();
  }

  /** Stops syncing; what is counted stays in the table until it ages out. */
  async stop(): Promise<void> {
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timer = null;
    await this.running;
  }

  private roll(): void {
    const second = Math.floor(this.deps.dbClock.now() / 1000);
    if (second === this.second) return;
    this.second = second;
    this.mine.clear();
    this.others = new Map();
    this.synced = false;
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = this.deps.clock.setTimer(
      SYNC_MS,
      () => {
        this.timer = null;
        this.running = this.sync().finally(() => {
          this.running = null;
        });
      },
      { background: true },
    );
  }

  /** Reports this process's counts and reads the others' (every SYNC_MS while creates come). */
  async sync(): Promise<void> {
    const { tenants, apiId, logger } = this.deps;
    const second = this.second;
    const counts = new Map(this.mine);
    try {
      await tenants.reportCreates(apiId, second, counts);
      const others = await tenants.othersCreates(apiId, second, [...counts.keys()]);
      if (second !== this.second) return;
      this.others = new Map([...others].map(([tenant, o]) => [tenant, o.creates]));
      this.processes = 1 + Math.max(0, ...[...others.values()].map((o) => o.processes));
      this.synced = true;
      if (second - this.lastCleanup > KEEP_SECONDS) {
        this.lastCleanup = second;
        await tenants.deleteOldCreates(apiId, second - KEEP_SECONDS);
      }
    } catch (err) {
      // Unknown others: this process keeps to its share until the next sync.
      logger.warn('Create counts could not be synced', errorFields(err));
    }
    // Counting goes on while this second has creates: the others may still be creating.
    if (second === this.second && this.mine.size > 0) this.schedule();
  }
}
