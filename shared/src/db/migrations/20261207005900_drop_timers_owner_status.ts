/**
 * Drops timers_owner_status: nothing reads it since pending quotas count per
 * tenant (timers_tenant_status), yet every status change of every timer
 * (pending → firing → fired) rewrote an entry of it. One index fewer to write
 * per fired timer; see the README's cost section for what it saved.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207005900_drop_timers_owner_status';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite' ? 'DROP INDEX timers_owner_status' : 'DROP INDEX timers_owner_status ON timers',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX timers_owner_status ON timers (owner, status)');
}
