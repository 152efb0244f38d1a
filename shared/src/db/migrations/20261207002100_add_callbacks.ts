/**
 * timers.callbacks, schedules.callbacks: where to send a notice when a timer's
 * series of attempts ends (a JSON object `{"on_success": url, "on_failure": url}`,
 * either optional); NULL for none, so a timer without callbacks costs nothing.
 * An occurrence copies its schedule's. Nullable columns: in-place, metadata-only
 * changes on InnoDB; each step checks whether it is done, as MySQL commits each
 * DDL statement on its own.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207002100_add_callbacks';

export async function up(knex: Knex): Promise<void> {
  const sqlite = dialectOf(knex).name === 'sqlite';
  for (const table of ['timers', 'schedules']) {
    if (!sqlite && (await knex.schema.hasColumn(table, 'callbacks'))) continue;
    await knex.raw(`ALTER TABLE ${table} ADD COLUMN callbacks TEXT NULL`);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE schedules DROP COLUMN callbacks');
  await knex.raw('ALTER TABLE timers DROP COLUMN callbacks');
}
