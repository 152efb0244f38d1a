/**
 * The controllers as a fleet: where each can be nudged (the controllers table,
 * kept fresh by heartbeats), which one runs periodic maintenance this round, and
 * what that maintenance deletes (finished timers past retention, expired
 * Idempotency-Keys, old delivery rollups). Each query is its own file under sql/.
 */
import type { Knex } from 'knex';
import { claimMaintenance } from './sql/claimMaintenance';
import {
  ControllerBeat,
  ControllerRow,
  findLiveController,
  listControllers,
  listLiveControllers,
  LiveController,
  registerController,
  removeController,
} from './sql/controllers';
import { deleteExpiredKeys } from './sql/deleteExpiredKeys';
import { deleteFinishedTimers } from './sql/deleteFinishedTimers';
import { deleteOldRollups } from './sql/deleteOldRollups';

export class Fleet {
  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
  ) {}

  register(controller: ControllerBeat): Promise<void> {
    return registerController(this.db, this.timeoutMs, controller);
  }

  /** Every controller in the table, live or not, with its last reported load. */
  all(): Promise<ControllerRow[]> {
    return listControllers(this.db, this.timeoutMs);
  }

  /** Endpoints of the controllers whose heartbeat is younger than `staleAfterMs`. */
  async liveEndpoints(staleAfterMs: number): Promise<string[]> {
    return (await this.liveControllers(staleAfterMs)).map((c) => c.endpoint);
  }

  /** The controllers whose heartbeat is younger than `staleAfterMs`. */
  liveControllers(staleAfterMs: number): Promise<LiveController[]> {
    return listLiveControllers(this.db, this.timeoutMs, staleAfterMs);
  }

  /** Where controller `id` can be reached, if its heartbeat is younger than `staleAfterMs`. */
  endpointOf(id: string, staleAfterMs: number): Promise<string | null> {
    return findLiveController(this.db, this.timeoutMs, id, staleAfterMs);
  }

  remove(id: string): Promise<void> {
    return removeController(this.db, this.timeoutMs, id);
  }

  /** True for the one caller that is to run the job `name` now (at most once per intervalMs). */
  claimMaintenance(job: { name: string; runner: string; intervalMs: number }): Promise<boolean> {
    return claimMaintenance(this.db, this.timeoutMs, job);
  }

  deleteFinishedTimers(batch: { retentionMs: number; limit: number }): Promise<number> {
    return deleteFinishedTimers(this.db, this.timeoutMs, batch);
  }

  deleteOldRollups(batch: { retentionMs: number; limit: number }): Promise<number> {
    return deleteOldRollups(this.db, this.timeoutMs, batch);
  }

  deleteExpiredIdempotencyKeys(limit: number): Promise<number> {
    return deleteExpiredKeys(this.db, this.timeoutMs, limit);
  }
}
