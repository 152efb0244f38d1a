/**
 * timers_schedule_id (schedule_id, id): GET /timers?schedule_id=… lists a
 * schedule's occurrences newest first by id, one backward range of this index
 * from the cursor. timers_schedule_occurrence (schedule_id, occurrence_at) orders
 * them by occurrence instead, so paging by id through it would sort the whole
 * schedule on every page. Timers created with POST /timers have NULL here and
 * share one range that no list reads. schedule_id never changes after the INSERT,
 * so claims and outcomes never touch this index.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207200000_index_timers_schedule_id';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX timers_schedule_id ON timers (schedule_id, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite' ? 'DROP INDEX timers_schedule_id' : 'DROP INDEX timers_schedule_id ON timers',
  );
}
