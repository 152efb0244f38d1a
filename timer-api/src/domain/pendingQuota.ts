/**
 * A tenant's quotas on creates: its pending timers (not yet fired, failed or
 * canceled: its max_pending, else MAX_PENDING_PER_KEY) and its creates per
 * second (createRate.ts). A create over either is answered 429 and writes nothing;
 * a batch counts as its number of timers (all admitted, or none).
 *
 * Two ways to count pending timers, behind one interface:
 * - TenantQuota counts rows in the database, exact across every api replica
 *   (one COUNT on timers_tenant_status_id per create, only for a tenant with a cap).
 * - LocalPendingQuota counts the timers this process created that are not yet due
 *   and not canceled through it. It needs nothing from the store, and is approximate:
 *   each api process keeps its own count (the cap applies per process), a restart
 *   forgets it, and a timer leaves the count at its fire_at, whatever happens next.
 */
import type { Clock } from '@timer/shared';
import { AppError } from '../errors';
import type { CreateRate } from './createRate';
import type { TenantSettings } from './tenantSettings';

export interface PendingQuota {
  /** Counts `timers` as live for `tenant`, or throws pending_quota_exceeded (or create_rate_exceeded). */
  admit(tenant: string, timers: readonly { id: string; fireAt: Date }[]): Promise<void>;
  /** The timer was not stored after all, or has been canceled. */
  forget(id: string): void;
}

/** What TenantQuota needs of the store: the tenant's live timers (pending or firing). */
export interface LiveTimerCounter {
  countLiveOfTenant(tenant: string): Promise<number>;
}

export function quotaExceeded(tenant: string, max: number): AppError {
  return new AppError(
    'pending_quota_exceeded',
    `Tenant ${tenant} has ${max} timers waiting to fire, the most its quota allows (max_pending, else MAX_PENDING_PER_KEY); cancel some or wait for them to fire.`,
  );
}

/**
 * Exact: one COUNT per create of a tenant with a pending cap. Two creates racing
 * past the check together can overshoot by the number of concurrent requests of
 * one tenant, never more.
 */
export class TenantQuota implements PendingQuota {
  constructor(
    private readonly deps: {
      counter: LiveTimerCounter;
      settings: Pick<TenantSettings, 'quotasOf'>;
      rate?: Pick<CreateRate, 'admit'>;
    },
  ) {}

  async admit(tenant: string, timers: readonly unknown[]): Promise<void> {
    const { maxPending, createsPerSecond } = await this.deps.settings.quotasOf(tenant);
    // The rate first: it costs no query, and a refused create must not count.
    this.deps.rate?.admit(tenant, createsPerSecond, timers.length);
    if (maxPending > 0 && (await this.deps.counter.countLiveOfTenant(tenant)) + timers.length > maxPending) {
      throw quotaExceeded(tenant, maxPending);
    }
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
