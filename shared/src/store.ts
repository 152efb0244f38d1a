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
 *   tenants     tenants, their API keys, signing secrets and quotas
 *   rollups     deliveries per minute, tenant and controller (the dashboard's charts)
 */
import type { Knex } from 'knex';
import { Attempts } from './attempts/attempts';
import { dialectOf } from './db/dialect';
import { AtRest } from './crypto/atRest';
import { DataKeys } from './crypto/dataKeys';
import { select } from './db/query';
import { Fleet } from './fleet/fleet';
import { Flows } from './flows/flows';
import { Rollups } from './rollups/rollups';
import { Schedules } from './schedules/schedules';
import { Tenants } from './tenants/tenants';
import { Claims } from './timers/claims';
import { Timers } from './timers/timers';

export interface StoreOptions {
  /** Most rows one coalesced INSERT carries. */
  createBatchSize?: number;
  /** Seal what can hold a credential before it is written; none: stored as it is. */
  dataKeys?: DataKeys;
}

export class Store {
  readonly timers: Timers;
  readonly claims: Claims;
  readonly attempts: Attempts;
  readonly schedules: Schedules;
  readonly fleet: Fleet;
  readonly flows: Flows;
  readonly tenants: Tenants;
  readonly rollups: Rollups;
  readonly dataKeys: DataKeys;

  constructor(
    readonly db: Knex,
    private readonly queryTimeoutMs: number,
    options: StoreOptions = {},
  ) {
    this.dataKeys = options.dataKeys ?? DataKeys.none();
    const atRest = new AtRest(this.dataKeys);
    this.timers = new Timers(db, queryTimeoutMs, options.createBatchSize, atRest);
    this.claims = new Claims(db, queryTimeoutMs, atRest);
    this.attempts = new Attempts(db, queryTimeoutMs);
    this.schedules = new Schedules(db, queryTimeoutMs, atRest);
    this.fleet = new Fleet(db, queryTimeoutMs);
    this.flows = new Flows(db, queryTimeoutMs, atRest);
    this.tenants = new Tenants(db, queryTimeoutMs, this.dataKeys);
    this.rollups = new Rollups(db, queryTimeoutMs);
  }

  /** Which database it is (the `db.system.name` of database spans). */
  get dialect(): 'mysql' | 'sqlite' {
    return dialectOf(this.db).name;
  }

  /** Resolves when the database answers a trivial query within the time limit. */
  async ping(): Promise<void> {
    await select(this.db, this.queryTimeoutMs, 'SELECT 1');
  }
}
