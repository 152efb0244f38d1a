/**
 * The timer store: every query the services make, each in its own file under sql/.
 * The store only binds them to a connection and a time limit.
 */
import type { Knex } from 'knex';
import { select } from '../db/query';
import { cancelTimer } from './sql/cancelTimer';
import { claimDueTimers } from './sql/claimDueTimers';
import { completeFired } from './sql/completeFired';
import { failTimer } from './sql/failTimer';
import { findTimer, listTimers, ListQuery } from './sql/findTimers';
import { insertTimer } from './sql/insertTimer';
import { releaseTimers } from './sql/releaseTimers';
import { scheduleRetry } from './sql/scheduleRetry';
import type { CancelResult, ClaimedTimer, ClaimRef, TimerRecord } from './types';

export type { ListQuery };

export class TimerStore {
  constructor(
    readonly db: Knex,
    private readonly queryTimeoutMs: number,
  ) {}

  /** Resolves when the database answers a trivial query within the time limit. */
  async ping(): Promise<void> {
    await select(this.db, this.queryTimeoutMs, 'SELECT 1');
  }

  create(timer: { id: string; url: string; delaySeconds: number }): Promise<TimerRecord> {
    return insertTimer(this.db, this.queryTimeoutMs, timer);
  }

  find(id: string): Promise<TimerRecord | null> {
    return findTimer(this.db, this.queryTimeoutMs, id);
  }

  list(query: ListQuery): Promise<TimerRecord[]> {
    return listTimers(this.db, this.queryTimeoutMs, query);
  }

  cancel(id: string): Promise<CancelResult> {
    return cancelTimer(this.db, this.queryTimeoutMs, id);
  }

  claimDue(owner: string, limit: number, leaseMs: number): Promise<ClaimedTimer[]> {
    return claimDueTimers(this.db, this.queryTimeoutMs, { owner, limit, leaseMs });
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
}
