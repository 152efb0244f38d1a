/**
 * schedules.max_lateness_s: the schedule's missed-fire rule, copied onto every
 * occurrence it creates (timers.max_lateness_s). NULL: `on_late: "fire"`, an
 * occurrence is sent however late; a number: `on_late: "skip"` with
 * max_lateness_seconds, an occurrence found later than that is skipped. A
 * nullable column: in place and instant on InnoDB, NULL for every schedule
 * created before it, which keeps them as they were (fire however late).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122001300_add_schedules_max_lateness';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite'
      ? 'ALTER TABLE schedules ADD COLUMN max_lateness_s INTEGER NULL CHECK (max_lateness_s >= 1)'
      : 'ALTER TABLE schedules ADD COLUMN max_lateness_s INT UNSIGNED NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE schedules DROP COLUMN max_lateness_s');
}
