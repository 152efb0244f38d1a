/** A tenant's timers newest first, without a status filter: one backward range of (tenant, id). */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207001400_index_timers_tenant_id';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX timers_tenant_id ON timers (tenant, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite' ? 'DROP INDEX timers_tenant_id' : 'DROP INDEX timers_tenant_id ON timers',
  );
}
