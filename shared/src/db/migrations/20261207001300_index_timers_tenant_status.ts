/**
 * A tenant's timers, by status, newest first: the range behind a tenant's list
 * (with and without a status filter, paged by id), its dashboard counts, and its
 * pending quota. (tenant, id) ordering comes from the same index: InnoDB appends
 * the primary key to every secondary index, so a range on (tenant) alone is also
 * ordered by status then id, and a list without a status reads
 * timers_tenant_id instead.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207001300_index_timers_tenant_status';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX timers_tenant_status_id ON timers (tenant, status, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite'
      ? 'DROP INDEX timers_tenant_status_id'
      : 'DROP INDEX timers_tenant_status_id ON timers',
  );
}
