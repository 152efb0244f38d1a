/**
 * timers.schedule_id and timers.occurrence_at: the schedule a timer was created
 * for and which of its occurrences it is (its local time, as the instant it names).
 * NULL for timers created with POST /timers. Nullable columns: an in-place,
 * metadata-only change on InnoDB; one ALTER, so MySQL adds both or neither.
 * SQLite adds one column per statement, both in the migration's transaction.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122001100_add_timers_schedule';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE timers ADD COLUMN schedule_id TEXT NULL');
    await knex.raw('ALTER TABLE timers ADD COLUMN occurrence_at INTEGER NULL');
    return;
  }
  await knex.raw(`
    ALTER TABLE timers
      ADD COLUMN schedule_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN occurrence_at DATETIME(3) NULL
  `);
}

export async function down(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE timers DROP COLUMN occurrence_at');
    await knex.raw('ALTER TABLE timers DROP COLUMN schedule_id');
    return;
  }
  await knex.raw('ALTER TABLE timers DROP COLUMN occurrence_at, DROP COLUMN schedule_id');
}
