/**
 * This controller's delivery rollups: counts by outcome and a lateness histogram
 * per tenant for each minute (database clock), kept in memory and written once a
 * minute, all rows in one upsert (Rollups.add), just after the minute turns; what
 * is left is written at stop. The charts of the dashboard read them, never the
 * delivery history, which at thousands of deliveries a second is millions of
 * rows an hour.
 *
 * A failed write keeps its counts for the next minute's write (a database outage
 * loses no minute it outlives); past MAX_MINUTES_KEPT minutes of backlog the
 * oldest are dropped, with a warning, so an outage cannot grow the process.
 */
import { emptyCounts, errorFields, LATENESS_COLUMNS, latenessBucket } from '@timer/shared';
import type { Clock, Logger, RollupOutcome, RollupRow, Rollups, TimerHandle } from '@timer/shared';

const MINUTE_MS = 60_000;
/** The write waits this long after the minute turns: the last outcomes of the minute are counted by then. */
const FLUSH_DELAY_MS = 1000;
const MAX_MINUTES_KEPT = 60;

export interface MinuteRollupsOptions {
  rollups: Pick<Rollups, 'add'>;
  /** The database's clock: which minute a delivery counts in; also the timer of the flushes. */
  dbClock: Clock;
  logger: Logger;
  controllerId: string;
}

export class MinuteRollups {
  /** minute (ms) → tenant → row. */
  private readonly minutes = new Map<number, Map<string, RollupRow>>();
  private timer: TimerHandle | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: MinuteRollupsOptions) {}

  /** A request left `latenessMs` after its due time. */
  sent(tenant: string, latenessMs: number): void {
    this.row(tenant).lateness[latenessBucket(latenessMs)] += 1;
  }

  /** A timer's attempt ended so (delivered, retried, failed), or the timer was skipped. */
  outcome(tenant: string, outcome: RollupOutcome): void {
    this.row(tenant)[outcome] += 1;
  }

  start(): void {
    const now = this.options.dbClock.now();
    const untilNext = MINUTE_MS - (now % MINUTE_MS) + FLUSH_DELAY_MS;
    this.timer = this.options.dbClock.setTimer(
      untilNext,
      () => {
        void this.flush(false);
        this.start();
      },
      { background: true },
    );
  }

  /** Writes everything counted, the current minute too; resolves once written (or given up). */
  async stop(): Promise<void> {
    this.options.dbClock.clearTimer(this.timer);
    this.timer = null;
    await this.flush(true);
  }

  /** Writes the finished minutes (all of them with `all`); one statement, one at a time. */
  flush(all: boolean): Promise<void> {
    this.writing = this.writing.then(() => this.write(all));
    return this.writing;
  }

  private async write(all: boolean): Promise<void> {
    const current = this.minuteOf(this.options.dbClock.now());
    const taken = [...this.minutes.keys()].filter((m) => all || m < current).sort((a, b) => a - b);
    if (taken.length === 0) return;
    const rows = taken.flatMap((m) => [...this.minutes.get(m)!.values()]);
    for (const m of taken) this.minutes.delete(m);
    try {
      await this.options.rollups.add(rows);
    } catch (err) {
      this.keep(rows);
      this.options.logger.warn('Delivery rollups not written; will try again next minute', {
        controllerId: this.options.controllerId,
        rows: rows.length,
        ...errorFields(err),
      });
    }
  }

  /** Puts rows that were not written back, adding to anything counted since; bounded. */
  private keep(rows: readonly RollupRow[]): void {
    for (const r of rows) {
      const row = this.row(r.tenant, r.minute.getTime());
      row.delivered += r.delivered;
      row.retried += r.retried;
      row.failed += r.failed;
      row.skipped += r.skipped;
      r.lateness.forEach((n, i) => (row.lateness[i] += n));
    }
    const minutes = [...this.minutes.keys()].sort((a, b) => a - b);
    const dropped = minutes.slice(0, Math.max(0, minutes.length - MAX_MINUTES_KEPT));
    for (const m of dropped) this.minutes.delete(m);
    if (dropped.length > 0) {
      this.options.logger.warn('Delivery rollups dropped: too many minutes not written', {
        controllerId: this.options.controllerId,
        minutes: dropped.length,
      });
    }
  }

  private minuteOf(ms: number): number {
    return ms - (ms % MINUTE_MS);
  }

  private row(tenant: string, at = this.options.dbClock.now()): RollupRow {
    const minute = this.minuteOf(at);
    let tenants = this.minutes.get(minute);
    if (!tenants) this.minutes.set(minute, (tenants = new Map()));
    let row = tenants.get(tenant);
    if (!row) {
      row = {
        minute: new Date(minute),
        tenant,
        controllerId: this.options.controllerId,
        ...emptyCounts(LATENESS_COLUMNS.length),
      };
      tenants.set(tenant, row);
    }
    return row;
  }
}
