/**
 * The delivery rollups (per minute, tenant and controller: outcomes and a
 * lateness histogram): controllers add to them once a minute, the api reads them
 * for the dashboard's charts, the retention cleanup deletes old ones (fleet.ts).
 * Each query is its own file under sql/.
 */
import type { Knex } from 'knex';
import { addRollups } from './sql/addRollups';
import { readRollups } from './sql/readRollups';
import type { RollupMinute, RollupRow } from './types';

export class Rollups {
  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
  ) {}

  /** Adds every row's counts to what is stored, in one statement. */
  add(rows: readonly RollupRow[]): Promise<void> {
    return addRollups(this.db, this.timeoutMs, rows);
  }

  /** The minutes from `since` on, summed over controllers; over tenants too when `tenant` is null. */
  perMinute(query: { since: Date; tenant: string | null }): Promise<RollupMinute[]> {
    return readRollups(this.db, this.timeoutMs, query);
  }
}
