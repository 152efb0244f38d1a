/**
 * The timer store: every query the services make, each in its own file under sql/
 * (timers/sql, schedules/sql). The store binds them to a connection and a time
 * limit, and coalesces concurrent creates into multi-row INSERTs.
 */
import type { Knex } from 'knex';
import { Coalescer } from '../coalescer';
import { listLiveControllers, registerController, removeController } from '../controllers/registry';
import { select } from '../db/query';
import { deleteSchedule } from '../schedules/sql/deleteSchedule';
import { findSchedule, listSchedules, ScheduleListQuery } from '../schedules/sql/findSchedules';
import { insertSchedule } from '../schedules/sql/insertSchedule';
import { Materialized, materializeOccurrences } from '../schedules/sql/materializeOccurrences';
import { pauseSchedule, resumeSchedule } from '../schedules/sql/pauseSchedule';
import type { DueSchedule, NewSchedule, ScheduleAdvance, ScheduleChange, ScheduleRecord } from '../schedules/types';
import { cancelTimer } from './sql/cancelTimer';
import { claimDueTimers } from './sql/claimDueTimers';
import { claimMaintenance } from './sql/claimMaintenance';
import { countByStatus } from './sql/countByStatus';
import { countLiveTimers } from './sql/countLiveTimers';
import { countSchedules } from '../schedules/sql/countSchedules';
import { completeFired } from './sql/completeFired';
import { deleteExpiredKeys } from './sql/deleteExpiredKeys';
import { deleteFinishedTimers } from './sql/deleteFinishedTimers';
import { failTimer } from './sql/failTimer';
import { findHeldBy } from './sql/findHeldBy';
import { findIdempotencyKey } from './sql/findIdempotencyKey';
import { findTakenOver } from './sql/findTakenOver';
import { findDueSoon } from './sql/findDueSoon';
import { findTimer, listTimers, ListQuery } from './sql/findTimers';
import { IdempotencyKey, insertIdempotentTimer } from './sql/insertIdempotentTimer';
import { insertTimers, NewTimer } from './sql/insertTimers';
import { AttemptQuery, listAttempts } from './sql/listAttempts';
import { listRecentAttempts } from './sql/listRecentAttempts';
import { releaseTimers } from './sql/releaseTimers';
import { replayTimer } from './sql/replayTimer';
import { scheduleRetry } from './sql/scheduleRetry';
import { skipTimer } from './sql/skipTimer';
import type {
  AttemptRecord,
  CancelResult,
  ClaimedTimer,
  ClaimRef,
  IdempotencyRecord,
  ReplayResult,
  TimerRecord,
  TimerStatus,
} from './types';

export type { AttemptQuery, IdempotencyKey, ListQuery, Materialized, NewTimer, ScheduleListQuery };

export interface StoreOptions {
  /** Most rows one coalesced INSERT carries. */
  createBatchSize?: number;
}

export class TimerStore {
  private readonly creates: Coalescer<NewTimer>;

  constructor(
    readonly db: Knex,
    private readonly queryTimeoutMs: number,
    options: StoreOptions = {},
  ) {
    // Two INSERTs in flight: one commits while the next batch fills.
    this.creates = new Coalescer((timers) => insertTimers(this.db, this.queryTimeoutMs, timers), {
      maxBatch: options.createBatchSize ?? 500,
      maxConcurrent: 2,
    });
  }

  /** Resolves when the database answers a trivial query within the time limit. */
  async ping(): Promise<void> {
    await select(this.db, this.queryTimeoutMs, 'SELECT 1');
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
    return insertIdempotentTimer(this.db, this.queryTimeoutMs, timer, key);
  }

  findIdempotencyKey(owner: string, key: string): Promise<IdempotencyRecord | null> {
    return findIdempotencyKey(this.db, this.queryTimeoutMs, owner, key);
  }

  /** Timers `owner` created that are still to fire. */
  countLive(owner: string): Promise<number> {
    return countLiveTimers(this.db, this.queryTimeoutMs, owner);
  }

  /** Schedules `owner` has, paused ones included (MAX_SCHEDULES_PER_KEY). */
  countSchedules(owner: string): Promise<number> {
    return countSchedules(this.db, this.queryTimeoutMs, owner);
  }

  find(id: string): Promise<TimerRecord | null> {
    return findTimer(this.db, this.queryTimeoutMs, id);
  }

  list(query: ListQuery): Promise<TimerRecord[]> {
    return listTimers(this.db, this.queryTimeoutMs, query);
  }

  /** Timers per status, each counted up to `cap` (the dashboard). */
  countByStatus(cap: number): Promise<Record<TimerStatus, number>> {
    return countByStatus(this.db, this.queryTimeoutMs, cap);
  }

  /** Pending timers, soonest due first (the dashboard). */
  dueSoon(limit: number): Promise<TimerRecord[]> {
    return findDueSoon(this.db, this.queryTimeoutMs, limit);
  }

  cancel(id: string): Promise<CancelResult> {
    return cancelTimer(this.db, this.queryTimeoutMs, id);
  }

  /** A failed timer back to pending, due now, for a new series of attempts. */
  replay(id: string): Promise<ReplayResult> {
    return replayTimer(this.db, this.queryTimeoutMs, id);
  }

  attempts(query: AttemptQuery): Promise<AttemptRecord[]> {
    return listAttempts(this.db, this.queryTimeoutMs, query);
  }

  /** The newest attempts of all timers, newest first (the dashboard). */
  recentAttempts(limit: number): Promise<AttemptRecord[]> {
    return listRecentAttempts(this.db, this.queryTimeoutMs, limit);
  }

  claimDue(claim: { owner: string; limit: number; leaseMs: number; lookaheadMs: number }): Promise<ClaimedTimer[]> {
    return claimDueTimers(this.db, this.queryTimeoutMs, claim);
  }

  /** Each outcome below writes its attempts (the delivery history) in the same transaction. */
  completeFired(owner: string, claims: readonly ClaimRef[], attempts?: readonly AttemptRecord[]): Promise<number> {
    return completeFired(this.db, this.queryTimeoutMs, owner, claims, attempts);
  }

  scheduleRetry(
    owner: string,
    claim: ClaimRef,
    delayMs: number,
    error: string,
    attempt?: AttemptRecord,
  ): Promise<boolean> {
    return scheduleRetry(this.db, this.queryTimeoutMs, owner, claim, delayMs, error, attempt);
  }

  fail(owner: string, claim: ClaimRef, error: string, attempt?: AttemptRecord): Promise<boolean> {
    return failTimer(this.db, this.queryTimeoutMs, owner, claim, error, attempt);
  }

  /** `leaseMs`: the lease the claims were given (it tells when an unsent timer is due again). */
  release(
    owner: string,
    claims: readonly ClaimRef[],
    attemptStarted: boolean,
    leaseMs: number,
    attempts?: readonly AttemptRecord[],
  ): Promise<number> {
    return releaseTimers(this.db, this.queryTimeoutMs, owner, claims, attemptStarted, leaseMs, attempts);
  }

  /** The claims the database records `owner` as holding right now. */
  heldBy(owner: string): Promise<ClaimRef[]> {
    return findHeldBy(this.db, this.queryTimeoutMs, owner);
  }

  /** Ids among `claims` whose timer has been claimed again since (by any controller). */
  takenOver(claims: readonly ClaimRef[]): Promise<string[]> {
    return findTakenOver(this.db, this.queryTimeoutMs, claims);
  }

  skip(owner: string, claim: ClaimRef, reason: string): Promise<boolean> {
    return skipTimer(this.db, this.queryTimeoutMs, owner, claim, reason);
  }

  /** True for the one caller that is to run the job `name` now (at most once per intervalMs). */
  claimMaintenance(job: { name: string; runner: string; intervalMs: number }): Promise<boolean> {
    return claimMaintenance(this.db, this.queryTimeoutMs, job);
  }

  deleteFinished(batch: { retentionMs: number; limit: number }): Promise<number> {
    return deleteFinishedTimers(this.db, this.queryTimeoutMs, batch);
  }

  deleteExpiredIdempotencyKeys(limit: number): Promise<number> {
    return deleteExpiredKeys(this.db, this.queryTimeoutMs, limit);
  }

  createSchedule(schedule: NewSchedule): Promise<void> {
    return insertSchedule(this.db, this.queryTimeoutMs, schedule);
  }

  findSchedule(id: string): Promise<ScheduleRecord | null> {
    return findSchedule(this.db, this.queryTimeoutMs, id);
  }

  listSchedules(query: ScheduleListQuery): Promise<ScheduleRecord[]> {
    return listSchedules(this.db, this.queryTimeoutMs, query);
  }

  pauseSchedule(id: string): Promise<ScheduleChange> {
    return pauseSchedule(this.db, this.queryTimeoutMs, id);
  }

  resumeSchedule(id: string, nextRunAt: Date | null): Promise<ScheduleChange> {
    return resumeSchedule(this.db, this.queryTimeoutMs, id, nextRunAt);
  }

  deleteSchedule(id: string): Promise<boolean> {
    return deleteSchedule(this.db, this.queryTimeoutMs, id);
  }

  /** Creates the due occurrences of up to `limit` schedules as timers; see materializeOccurrences. */
  materializeOccurrences<P extends ScheduleAdvance>(
    options: { limit: number; lookaheadMs: number },
    plan: (schedule: DueSchedule, nowMs: number) => P,
  ): Promise<Materialized<P>> {
    return materializeOccurrences(this.db, this.queryTimeoutMs, options, plan);
  }

  registerController(controller: { id: string; endpoint: string }): Promise<void> {
    return registerController(this.db, this.queryTimeoutMs, controller);
  }

  liveControllers(staleAfterMs: number): Promise<string[]> {
    return listLiveControllers(this.db, this.queryTimeoutMs, staleAfterMs);
  }

  removeController(id: string): Promise<void> {
    return removeController(this.db, this.queryTimeoutMs, id);
  }
}
