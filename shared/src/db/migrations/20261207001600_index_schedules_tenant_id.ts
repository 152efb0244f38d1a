/** A tenant's schedules newest first, and their count: one range of (tenant, id). */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207001600_index_schedules_tenant_id';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX schedules_tenant_id ON schedules (tenant, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite'
      ? 'DROP INDEX schedules_tenant_id'
      : 'DROP INDEX schedules_tenant_id ON schedules',
  );
}
