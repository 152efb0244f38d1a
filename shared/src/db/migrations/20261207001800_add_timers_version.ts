/**
 * timers.version: what ETag and If-Match compare, and what a delivery carries as
 * Timer-Version. 1 at creation; raised by PATCH, cancel and replay, never by a
 * claim, a retry or an outcome, so it changes only when a client changed the
 * timer. A NOT NULL column with a constant default: in place and instant on
 * InnoDB, and every timer created before it reads version 1.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207001800_add_timers_version';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite'
      ? 'ALTER TABLE timers ADD COLUMN version INTEGER NOT NULL DEFAULT 1'
      : 'ALTER TABLE timers ADD COLUMN version INT UNSIGNED NOT NULL DEFAULT 1',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE timers DROP COLUMN version');
}
