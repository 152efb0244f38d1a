/**
 * The store: every query the services make, grouped by what it stores. Each
 * group is a small module over its own SQL files (one query a file):
 *
 *   timers      the api's timers: create (coalesced INSERTs), read, list, cancel, replay
 *   claims      a controller's claims on timers and every fenced write under them
 *   attempts    the delivery history, as the api reads it
 *   schedules   recurring schedules, and the occurrences controllers create from them
 *   fleet       controllers (where to nudge) and periodic maintenance (retention)
 *   flows       limits per destination, and the claims of limited flows
 */
import type { Knex } from 'knex';
import { Attempts } from './attempts/attempts';
import { select } from './db/query';
import { Fleet } from './fleet/fleet';
import { Flows } from './flows/flows';
import { Schedules } from './schedules/schedules';
import { Claims } from './timers/claims';
import { Timers } from './timers/timers';

export interface StoreOptions {
  /** Most rows one coalesced INSERT carries. */
  createBatchSize?: number;
}

export class Store {
  readonly timers: Timers;
  readonly claims: Claims;
  readonly attempts: Attempts;
  readonly schedules: Schedules;
  readonly fleet: Fleet;
  readonly flows: Flows;

  constructor(
    readonly db: Knex,
    private readonly queryTimeoutMs: number,
    options: StoreOptions = {},
  ) {
    this.timers = new Timers(db, queryTimeoutMs, options.createBatchSize);
    this.claims = new Claims(db, queryTimeoutMs);
    this.attempts = new Attempts(db, queryTimeoutMs);
    this.schedules = new Schedules(db, queryTimeoutMs);
    this.fleet = new Fleet(db, queryTimeoutMs);
    this.flows = new Flows(db, queryTimeoutMs);
  }

  /** Resolves when the database answers a trivial query within the time limit. */
  async ping(): Promise<void> {
    await select(this.db, this.queryTimeoutMs, 'SELECT 1');
  }
}
