/**
 * The database's clock, read locally: the host clock plus the offset measured
 * against `NOW(3)`. The offset is measured at start and re-measured periodically
 * (keeping the sample with the shortest round trip), so a host whose clock is
 * minutes off still computes fire_at, lateness and fire moments on database time.
 */
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import { errorFields, Logger } from '../logger';
import { measureClockSkew } from './skew';

export class DbClock implements Clock {
  /** Half the round trip of the measurement kept: how far off the offset can be. */
  private uncertainty = 0;

  constructor(
    private readonly host: Clock,
    private offset = 0,
  ) {}

  now(): number {
    return this.host.now() + this.offset;
  }

  /**
   * The earliest the database's clock can read now: what a controller compares due
   * times with, so that the error of the offset can make a webhook a millisecond
   * late, never early.
   */
  earliestNow(): number {
    return this.now() - this.uncertainty;
  }

  /** Database time minus host time, in ms. */
  get offsetMs(): number {
    return this.offset;
  }

  async sync(db: Knex, timeoutMs: number, samples = 3): Promise<number> {
    let best: { offset: number; rtt: number } | null = null;
    for (let i = 0; i < samples; i++) {
      const started = this.host.now();
      const offset = await measureClockSkew(db, this.host, timeoutMs);
      const rtt = this.host.now() - started;
      if (!best || rtt < best.rtt) best = { offset, rtt };
    }
    this.offset = Math.round(best!.offset);
    this.uncertainty = Math.ceil(best!.rtt / 2) + 1; // +1: both clocks read whole milliseconds
    return this.offset;
  }

  /** Re-measures every `intervalMs` in the background; returns how to stop. */
  keepInSync(db: Knex, timeoutMs: number, intervalMs: number, logger: Logger): () => void {
    const timer = setInterval(() => {
      this.sync(db, timeoutMs).catch((err) => logger.debug('Clock sync failed', errorFields(err)));
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
