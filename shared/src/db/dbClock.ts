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
  constructor(
    private readonly host: Clock,
    private offset = 0,
  ) {}

  now(): number {
    return this.host.now() + this.offset;
  }

  /** Database time minus host time, in ms. */
  get offsetMs(): number {
    return this.offset;
  }

  /** Converts a database-time instant to the host's clock (for setTimeout). */
  toHost(dbMs: number): number {
    return dbMs - this.offset;
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
