/**
 * The index behind the retention cleanup: finished timers (fired, failed,
 * canceled, skipped) whose last change is older than RETENTION_DAYS are a short
 * range of (status, updated_at) per status, however many timers the table holds.
 * updated_at of a finished timer is the moment it finished.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122000900_index_timers_status_updated_at';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX timers_status_updated_at ON timers (status, updated_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite'
      ? 'DROP INDEX timers_status_updated_at'
      : 'DROP INDEX timers_status_updated_at ON timers',
  );
}
