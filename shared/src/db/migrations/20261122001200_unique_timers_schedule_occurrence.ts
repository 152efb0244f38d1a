/**
 * One timer per occurrence of a schedule, however many controllers create it: a
 * second INSERT of the same (schedule_id, occurrence_at) is a duplicate key, which
 * the controllers read as "another one already did". Timers created with
 * POST /timers have NULL in both columns, and NULLs never collide in a unique index
 * (on MySQL and SQLite alike). The index also finds a schedule's recent
 * occurrences when it is paused or deleted.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122001200_unique_timers_schedule_occurrence';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE UNIQUE INDEX timers_schedule_occurrence ON timers (schedule_id, occurrence_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite'
      ? 'DROP INDEX timers_schedule_occurrence'
      : 'DROP INDEX timers_schedule_occurrence ON timers',
  );
}
