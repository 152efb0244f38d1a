/**
 * The timers as the api sees them: creating (concurrent creates coalesced into
 * multi-row INSERTs), reading, listing, canceling, replaying, and the counts the
 * dashboard and the pending-timer quota need. Each query is its own file under sql/.
 */
import type { Knex } from 'knex';
import { CancelSignal, Coalescer } from '../coalescer';
import { AtRest } from '../crypto/atRest';
import { cancelByLabels } from './sql/cancelByLabels';
import { cancelTimer } from './sql/cancelTimer';
import { changeTimer } from './sql/changeTimer';
import { countByStatus } from './sql/countByStatus';
import { countTenantLiveTimers } from './sql/countTenantLiveTimers';
import { findDueSoon } from './sql/findDueSoon';
import { findHolder } from './sql/findHolder';
import { findIdempotencyKey } from './sql/findIdempotencyKey';
import { findTimer, findTimers, listTimers, ListQuery, TenantView } from './sql/findTimers';
import { IdempotencyKey, insertIdempotentTimer } from './sql/insertIdempotentTimer';
import { insertTimers, NewTimer } from './sql/insertTimers';
import { replayTimer } from './sql/replayTimer';
import type { TraceContext } from '../tracing/tracing';
import type {
  CancelResult,
  ChangeFence,
  ChangeResult,
  IdempotencyRecord,
  LabelCancelResult,
  ReplayResult,
  TimerChange,
  TimerHolder,
  TimerRecord,
  TimerStatus,
} from './types';

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
  create(timer: NewTimer, signal?: CancelSignal): Promise<void> {
    return this.creates.add(timer, signal);
  }

  /**
   * Stores a timer with the Idempotency-Key it was created with, in its own
   * transaction; 'taken' when another request holds the key.
   */
  createIdempotent(timer: NewTimer, key: IdempotencyKey): Promise<'created' | 'taken'> {
    return insertIdempotentTimer(this.db, this.timeoutMs, this.atRest, [timer], key);
  }

  /**
   * Stores a batch in one transaction: all of it or none. With a key, the key
   * names the whole set ('taken' when another request holds it).
   */
  async createBatch(timers: readonly NewTimer[], key?: IdempotencyKey): Promise<'created' | 'taken'> {
    if (key) return insertIdempotentTimer(this.db, this.timeoutMs, this.atRest, timers, { ...key, batch: true });
    await this.db.transaction((trx) => insertTimers(trx, this.timeoutMs, this.atRest, timers));
    return 'created';
  }

  findIdempotencyKey(owner: string, key: string): Promise<IdempotencyRecord | null> {
    return findIdempotencyKey(this.db, this.timeoutMs, owner, key);
  }

  /** The tenant's timers still to fire (pending or firing), across the fleet. */
  countLiveOfTenant(tenant: string): Promise<number> {
    return countTenantLiveTimers(this.db, this.timeoutMs, tenant);
  }

  /** The timer, if it exists and `tenant` (null: anyone) may see it. */
  find(id: string, tenant: TenantView = null): Promise<TimerRecord | null> {
    return findTimer(this.db, this.timeoutMs, this.atRest, id, tenant);
  }

  /** These timers, in the order of `ids`. */
  findMany(ids: readonly string[], tenant: TenantView = null): Promise<TimerRecord[]> {
    return findTimers(this.db, this.timeoutMs, this.atRest, ids, tenant);
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

  /** Who holds the timer, under which claim, and for how long (null: no such timer, or another tenant's). */
  holder(id: string, tenant: TenantView = null): Promise<TimerHolder | null> {
    return findHolder(this.db, this.timeoutMs, id, tenant);
  }

  /** Cancels the timer if it is still as `fence` says. */
  cancel(id: string, fence: ChangeFence, tenant: TenantView = null): Promise<CancelResult> {
    return cancelTimer(this.db, this.timeoutMs, this.atRest, id, fence, tenant);
  }

  /** Applies a PATCH if the timer is still as `fence` says. */
  change(id: string, change: TimerChange, fence: ChangeFence, tenant: TenantView = null): Promise<ChangeResult> {
    return changeTimer(this.db, this.timeoutMs, this.atRest, id, change, fence, tenant);
  }

  /** Cancels up to `limit` pending timers carrying every label (terms `name:value`). */
  cancelByLabels(query: {
    labels: readonly string[];
    limit: number;
    countCap: number;
    tenant: TenantView;
  }): Promise<LabelCancelResult> {
    return cancelByLabels(this.db, this.timeoutMs, query);
  }

  /**
   * A failed timer (still at `version`) back to pending, due now, for a new series
   * of attempts (continuing `trace`, when given).
   */
  replay(
    id: string,
    version: number,
    tenant: TenantView = null,
    trace: TraceContext | null = null,
    labelled?: boolean,
  ): Promise<ReplayResult> {
    return replayTimer(this.db, this.timeoutMs, this.atRest, id, version, tenant, trace, labelled);
  }
}
