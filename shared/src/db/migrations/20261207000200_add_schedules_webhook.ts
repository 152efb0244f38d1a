/**
 * schedules.webhook: what each occurrence sends (its own payload or body,
 * headers, method, or the URL as given), copied onto every timer the schedule
 * creates (timers.webhook). NULL: plain occurrences, as before this column.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207000200_add_schedules_webhook';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite'
      ? 'ALTER TABLE schedules ADD COLUMN webhook TEXT NULL'
      : 'ALTER TABLE schedules ADD COLUMN webhook MEDIUMTEXT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE schedules DROP COLUMN webhook');
}
