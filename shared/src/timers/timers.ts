/**
 * The timers as the api sees them: creating (concurrent creates coalesced into
 * multi-row INSERTs), reading, listing, canceling, replaying, and the counts the
 * dashboard and the pending-timer quota need. Each query is its own file under sql/.
 */
import type { Knex } from 'knex';
import { Coalescer } from '../coalescer';
import { AtRest } from '../crypto/atRest';
import { cancelTimer } from './sql/cancelTimer';
import { countByStatus } from './sql/countByStatus';
import { countLiveTimers } from './sql/countLiveTimers';
import { countTenantLiveTimers } from './sql/countTenantLiveTimers';
import { findDueSoon } from './sql/findDueSoon';
import { findIdempotencyKey } from './sql/findIdempotencyKey';
import { findTimer, listTimers, ListQuery, TenantView } from './sql/findTimers';
import { IdempotencyKey, insertIdempotentTimer } from './sql/insertIdempotentTimer';
import { insertTimers, NewTimer } from './sql/insertTimers';
import { replayTimer } from './sql/replayTimer';
import type { TraceContext } from '../tracing/tracing';
import type { CancelResult, IdempotencyRecord, ReplayResult, TimerRecord, TimerStatus } from './types';

export type { IdempotencyKey, ListQuery, NewTimer, TenantView };

export class Timers {
  private readonly creates: Coalescer<NewTimer>;

  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
    createBatchSize = 500,
    private readonly atRest: AtRest = AtRest.none(),
  ) {
    // Two INSERTs in flight: one commits while the next batch fills.
    this.creates = new Coalescer((timers) => insertTimers(this.db, this.timeoutMs, this.atRest, timers), {
      maxBatch: createBatchSize,
      maxConcurrent: 2,
    });
  }

  /**
   * Resolves once the timer is committed. Aborting `signal` before the timer has
   * gone out in an INSERT drops it (and rejects with the signal's reason); after
   * that, the INSERT's outcome stands.
   */
  create(timer: NewTimer, signal?: AbortSignal): Promise<void> {
    return this.creates.add(timer, signal);
  }

  /**
   * Stores a timer with the Idempotency-Key it was created with, in its own
   * transaction; 'taken' when another request holds the key.
   */
  createIdempotent(timer: NewTimer, key: IdempotencyKey): Promise<'created' | 'taken'> {
    return insertIdempotentTimer(this.db, this.timeoutMs, this.atRest, timer, key);
  }

  findIdempotencyKey(owner: string, key: string): Promise<IdempotencyRecord | null> {
    return findIdempotencyKey(this.db, this.timeoutMs, owner, key);
  }

  /** Timers `owner` created that are still to fire. */
  countLive(owner: string): Promise<number> {
    return countLiveTimers(this.db, this.timeoutMs, owner);
  }

  /** The tenant's timers still to fire (pending or firing), across the fleet. */
  countLiveOfTenant(tenant: string): Promise<number> {
    return countTenantLiveTimers(this.db, this.timeoutMs, tenant);
  }

  /** The timer, if it exists and `tenant` (null: anyone) may see it. */
  find(id: string, tenant: TenantView = null): Promise<TimerRecord | null> {
    return findTimer(this.db, this.timeoutMs, this.atRest, id, tenant);
  }

  list(query: ListQuery): Promise<TimerRecord[]> {
    return listTimers(this.db, this.timeoutMs, this.atRest, query);
  }

  /** Timers per status, each counted up to `cap` (the dashboard). */
  countByStatus(cap: number, tenant: TenantView = null): Promise<Record<TimerStatus, number>> {
    return countByStatus(this.db, this.timeoutMs, cap, tenant);
  }

  /** Pending timers, soonest due first (the dashboard). */
  dueSoon(limit: number, tenant: TenantView = null): Promise<TimerRecord[]> {
    return findDueSoon(this.db, this.timeoutMs, this.atRest, limit, tenant);
  }

  cancel(id: string, tenant: TenantView = null): Promise<CancelResult> {
    return cancelTimer(this.db, this.timeoutMs, this.atRest, id, tenant);
  }

  /** A failed timer back to pending, due now, for a new series of attempts (continuing `trace`, when given). */
  replay(id: string, tenant: TenantView = null, trace: TraceContext | null = null): Promise<ReplayResult> {
    return replayTimer(this.db, this.timeoutMs, this.atRest, id, tenant, trace);
  }
}
