/**
 * MAX_PENDING_PER_KEY: how many live timers (not yet fired, failed or canceled) one
 * API key may have; without keys, all callers share the one `anonymous` allowance.
 * A create over the cap is answered 429 `pending_quota_exceeded` and writes nothing;
 * a batch counts as its number of timers (all admitted, or none).
 *
 * Two ways to count, behind one interface:
 * - StorePendingQuota counts rows in the database, exact across every api replica.
 *   It needs the store to record each timer's owner (see `LiveTimerCounter`).
 * - LocalPendingQuota counts the timers this process created that are not yet due
 *   and not canceled through it. It needs nothing from the store, and is approximate:
 *   each api process keeps its own count (the cap applies per process), a restart
 *   forgets it, and a timer leaves the count at its fire_at, whatever happens next.
 */
import type { Clock } from '@timer/shared';
import { AppError } from '../errors';
import { ANONYMOUS_OWNER } from './client';

export interface PendingQuota {
  /** Counts `timers` as live for `owner`, or throws pending_quota_exceeded if they would pass the cap. */
  admit(owner: string, timers: readonly { id: string; fireAt: Date }[]): Promise<void>;
  /** The timer was not stored after all, or has been canceled. */
  forget(id: string): void;
}

/** What StorePendingQuota needs of the store: live timers (pending or firing) created by `owner`. */
export interface LiveTimerCounter {
  countLive(owner: string): Promise<number>;
}

export function quotaExceeded(owner: string, max: number): AppError {
  const who = owner === ANONYMOUS_OWNER ? 'This service has' : 'This API key has';
  return new AppError(
    'pending_quota_exceeded',
    `${who} ${max} timers waiting to fire, the most MAX_PENDING_PER_KEY allows; cancel some or wait for them to fire.`,
  );
}

/**
 * Exact: one COUNT per create. Two creates racing past the check together can
 * overshoot by the number of concurrent requests of one key, never more.
 */
export class StorePendingQuota implements PendingQuota {
  constructor(
    private readonly counter: LiveTimerCounter,
    private readonly max: number,
  ) {}

  async admit(owner: string, timers: readonly unknown[]): Promise<void> {
    if ((await this.counter.countLive(owner)) + timers.length > this.max) throw quotaExceeded(owner, this.max);
  }

  forget(): void {}
}

export class LocalPendingQuota implements PendingQuota {
  /** owner → timer id → fire_at (ms on the database clock). */
  private readonly live = new Map<string, Map<string, number>>();
  private readonly ownerOf = new Map<string, string>();

  /** `clock` must be the one fire_at is on: the database clock. */
  constructor(
    private readonly max: number,
    private readonly clock: Clock,
  ) {}

  async admit(owner: string, added: readonly { id: string; fireAt: Date }[]): Promise<void> {
    let timers = this.live.get(owner);
    if (!timers) {
      timers = new Map();
      this.live.set(owner, timers);
    }
    // Due timers leave the count only when it matters, so a create costs O(1) until the cap.
    if (timers.size + added.length > this.max) this.dropDue(timers);
    if (timers.size + added.length > this.max) throw quotaExceeded(owner, this.max);
    for (const timer of added) {
      timers.set(timer.id, timer.fireAt.getTime());
      this.ownerOf.set(timer.id, owner);
    }
  }

  forget(id: string): void {
    const owner = this.ownerOf.get(id);
    if (owner === undefined) return;
    this.ownerOf.delete(id);
    this.live.get(owner)?.delete(id);
  }

  private dropDue(timers: Map<string, number>): void {
    const now = this.clock.now();
    for (const [id, fireAt] of timers) {
      if (fireAt > now) continue;
      timers.delete(id);
      this.ownerOf.delete(id);
    }
  }
}
