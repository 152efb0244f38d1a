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
import { countByStatus } from './sql/countByStatus';
import { countLiveTimers } from './sql/countLiveTimers';
import { completeFired } from './sql/completeFired';
import { failTimer } from './sql/failTimer';
import { findDueSoon } from './sql/findDueSoon';
import { findTimer, listTimers, ListQuery } from './sql/findTimers';
import { insertTimers, NewTimer } from './sql/insertTimers';
import { releaseTimers } from './sql/releaseTimers';
import { scheduleRetry } from './sql/scheduleRetry';
import type { CancelResult, ClaimedTimer, ClaimRef, TimerRecord, TimerStatus } from './types';

export type { ListQuery, NewTimer, ScheduleListQuery, Materialized };

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

  /** Resolves once the timer is committed. */
  create(timer: NewTimer): Promise<void> {
    return this.creates.add(timer);
  }

  /** Timers `owner` created that are still to fire. */
  countLive(owner: string): Promise<number> {
    return countLiveTimers(this.db, this.queryTimeoutMs, owner);
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

  claimDue(claim: { owner: string; limit: number; leaseMs: number; lookaheadMs: number }): Promise<ClaimedTimer[]> {
    return claimDueTimers(this.db, this.queryTimeoutMs, claim);
  }

  completeFired(owner: string, claims: readonly ClaimRef[]): Promise<number> {
    return completeFired(this.db, this.queryTimeoutMs, owner, claims);
  }

  scheduleRetry(owner: string, claim: ClaimRef, delayMs: number, error: string): Promise<boolean> {
    return scheduleRetry(this.db, this.queryTimeoutMs, owner, claim, delayMs, error);
  }

  fail(owner: string, claim: ClaimRef, error: string): Promise<boolean> {
    return failTimer(this.db, this.queryTimeoutMs, owner, claim, error);
  }

  release(owner: string, claims: readonly ClaimRef[], attemptStarted: boolean): Promise<number> {
    return releaseTimers(this.db, this.queryTimeoutMs, owner, claims, attemptStarted);
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
