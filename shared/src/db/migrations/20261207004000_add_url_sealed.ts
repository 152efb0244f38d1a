/**
 * timers.url_sealed and schedules.url_sealed: the whole webhook URL sealed with
 * DATA_KEYS (shared/src/crypto/atRest.ts), while `url` keeps only its origin.
 * NULL: `url` holds the whole URL (a row written before this column, or with no
 * data keys). TEXT, since a sealed 2,048-character URL outgrows `url`'s limit.
 * Nullable: in place and instant on InnoDB, and a plain ALTER on SQLite.
 */
import type { Knex } from 'knex';

export const name = '20261207004000_add_url_sealed';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE timers ADD COLUMN url_sealed TEXT NULL');
  await knex.raw('ALTER TABLE schedules ADD COLUMN url_sealed TEXT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE timers DROP COLUMN url_sealed');
  await knex.raw('ALTER TABLE schedules DROP COLUMN url_sealed');
}
