/**
 * schedules.trace_parent, trace_state: the W3C trace context of the request that
 * created the schedule. Each occurrence starts a trace of its own, linked to it
 * (README "Tracing"). NULL while tracing is off. One ALTER on MySQL; one column
 * per statement on SQLite.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207000910_add_schedules_trace_context';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE schedules ADD COLUMN trace_parent TEXT NULL');
    await knex.raw('ALTER TABLE schedules ADD COLUMN trace_state TEXT NULL');
    return;
  }
  await knex.raw(`
    ALTER TABLE schedules
      ADD COLUMN trace_parent VARCHAR(55) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN trace_state VARCHAR(512) CHARACTER SET ascii COLLATE ascii_bin NULL
  `);
}

export async function down(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE schedules DROP COLUMN trace_state');
    await knex.raw('ALTER TABLE schedules DROP COLUMN trace_parent');
    return;
  }
  await knex.raw('ALTER TABLE schedules DROP COLUMN trace_state, DROP COLUMN trace_parent');
}
