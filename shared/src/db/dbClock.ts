/**
 * The database's clock, read locally: the host clock plus the offset measured
 * against `NOW(6)` (skew.ts). The offset is measured at start and re-measured
 * periodically (keeping the sample that pins it down best), so a host whose clock
 * is minutes off still computes fire_at, lateness and fire moments on database
 * time. It is a Clock on top of the host's: now() reads database time in whole
 * milliseconds, and its timers and sleeps are the host clock's (a duration is the
 * same on both).
 *
 * earliestNow() is what due times are compared with: the host's reading (never
 * ahead of the true host time, being cut down to the millisecond) plus the offset
 * as measured, less everything it can be off by. It keeps the measurement's
 * fraction of a millisecond: rounding the offset, or the bound, to whole
 * milliseconds would make every webhook wait a millisecond longer for nothing.
 * A clock made with an offset and never measured (tests; the embedded mode, whose
 * SQLite reads the very clock the host does, in the same process) is exact.
 */
import type { Knex } from 'knex';
import type { Clock, TimerHandle } from '../clock';
import { errorFields, Logger } from '../logger';
import { ClockMeasurement, measureClockOffset } from './skew';

/**
 * How fast the host's clock and the database's may drift apart, as a fraction:
 * 20 ppm, generous for clocks kept by NTP. A measurement's error bound grows by
 * this with its age.
 */
const DRIFT = 20e-6;

export class DbClock implements Clock {
  /** How far off the offset was when measured (skew.ts). */
  private uncertainty = 0;
  /** Host time of the measurement kept (null: the offset given at construction, trusted as exact). */
  private measuredAt: number | null = null;

  constructor(
    private readonly host: Clock,
    private offset = 0,
  ) {}

  now(): number {
    return this.host.now() + Math.round(this.offset);
  }

  setTimer(ms: number, fn: () => void, options?: { background?: boolean }): TimerHandle {
    return this.host.setTimer(ms, fn, options);
  }

  clearTimer(handle: TimerHandle | null | undefined): void {
    this.host.clearTimer(handle);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.host.sleep(ms, signal);
  }

  /**
   * The earliest the database's clock can read now, with a fraction of a
   * millisecond: what a controller compares due times with, so that the error of
   * the offset can make a webhook late by at most that error, never early.
   */
  earliestNow(): number {
    return this.host.now() + this.offset - this.errorBound();
  }

  /** Database time minus host time, in whole ms. */
  get offsetMs(): number {
    return Math.round(this.offset);
  }

  /** How far off the offset can be now, in ms: its measurement's error, plus drift since. */
  errorBound(): number {
    if (this.measuredAt === null) return this.uncertainty;
    return this.uncertainty + (this.host.now() - this.measuredAt) * DRIFT;
  }

  /**
   * Measures the offset (best of `samples`) and keeps it if it is at least as good
   * as the one held, counting that one's age. A resync made while the process or
   * the database is busy has a long round trip: taking it would widen the error
   * bound, and every webhook would wait that much longer. It is taken anyway when
   * it disagrees with the held offset beyond both error bounds: one of the clocks
   * was stepped, and the held offset is wrong.
   */
  async sync(db: Knex, timeoutMs: number, samples = 3): Promise<number> {
    let best: ClockMeasurement | null = null;
    for (let i = 0; i < samples; i++) {
      const measured = await measureClockOffset(db, this.host, timeoutMs);
      if (!best || measured.uncertainty < best.uncertainty) best = measured;
    }
    this.consider(best!);
    return this.offsetMs;
  }

  /** Keeps this measurement if it is the better one; see sync(). */
  consider({ offset, uncertainty }: ClockMeasurement): boolean {
    const held = this.measuredAt === null ? Infinity : this.errorBound();
    const stepped = Math.abs(offset - this.offset) > uncertainty + held;
    if (uncertainty > held && !stepped) return false;
    this.offset = offset;
    this.uncertainty = uncertainty;
    this.measuredAt = this.host.now();
    return true;
  }

  /** Re-measures every `intervalMs` in the background; returns how to stop. */
  keepInSync(db: Knex, timeoutMs: number, intervalMs: number, logger: Logger): () => void {
    let timer: TimerHandle | null = null;
    let stopped = false;
    const resync = () => {
      this.sync(db, timeoutMs)
        .then(() => {
          if (logger.isDebugEnabled()) {
            logger.debug('Database clock measured', {
              offsetMs: Math.round(this.offset * 1000) / 1000,
              errorBoundMs: Math.round(this.errorBound() * 1000) / 1000,
            });
          }
        })
        .catch((err) => logger.debug('Clock sync failed', errorFields(err)))
        .finally(() => {
          if (!stopped) timer = this.host.setTimer(intervalMs, resync, { background: true });
        });
    };
    timer = this.host.setTimer(intervalMs, resync, { background: true });
    return () => {
      stopped = true;
      this.host.clearTimer(timer);
    };
  }
}
