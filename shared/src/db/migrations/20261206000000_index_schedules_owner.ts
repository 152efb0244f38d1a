/**
 * The index behind MAX_SCHEDULES_PER_KEY: one key's schedules are counted as
 * one range of it, not a scan of the table.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261206000000_index_schedules_owner';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX schedules_owner ON schedules (owner)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite' ? 'DROP INDEX schedules_owner' : 'DROP INDEX schedules_owner ON schedules',
  );
}
