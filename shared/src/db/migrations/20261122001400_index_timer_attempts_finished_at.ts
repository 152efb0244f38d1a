/**
 * The index behind the dashboard's recent deliveries: the newest attempts of all
 * timers, `ORDER BY finished_at DESC LIMIT n`, read backwards from the end of this
 * index instead of a scan and sort of the whole history (the primary key,
 * timer_id first, has no time order across timers). An attempt row is written
 * when it finishes, so new entries land at the index's end.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122001400_index_timer_attempts_finished_at';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX timer_attempts_finished_at ON timer_attempts (finished_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite'
      ? 'DROP INDEX timer_attempts_finished_at'
      : 'DROP INDEX timer_attempts_finished_at ON timer_attempts',
  );
}
