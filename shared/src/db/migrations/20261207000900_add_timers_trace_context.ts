/**
 * timers.trace_parent, trace_state, trace_link: the W3C trace context a timer's
 * deliveries continue (README "Tracing"). trace_parent is the `traceparent` of
 * the span that created the timer (or that replayed it), trace_state its
 * `tracestate`; trace_link the `traceparent` a delivery links to besides (after
 * a replay: the creation). All NULL while tracing is off. Nullable columns: an
 * in-place, metadata-only change on InnoDB; one ALTER, so MySQL adds all three or
 * none. SQLite adds one column per statement, in the migration's transaction.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207000900_add_timers_trace_context';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE timers ADD COLUMN trace_parent TEXT NULL');
    await knex.raw('ALTER TABLE timers ADD COLUMN trace_state TEXT NULL');
    await knex.raw('ALTER TABLE timers ADD COLUMN trace_link TEXT NULL');
    return;
  }
  // traceparent is 55 characters in version 00; tracestate at most 512 (W3C Trace Context).
  await knex.raw(`
    ALTER TABLE timers
      ADD COLUMN trace_parent VARCHAR(55) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN trace_state VARCHAR(512) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN trace_link VARCHAR(55) CHARACTER SET ascii COLLATE ascii_bin NULL
  `);
}

export async function down(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE timers DROP COLUMN trace_link');
    await knex.raw('ALTER TABLE timers DROP COLUMN trace_state');
    await knex.raw('ALTER TABLE timers DROP COLUMN trace_parent');
    return;
  }
  await knex.raw('ALTER TABLE timers DROP COLUMN trace_link, DROP COLUMN trace_state, DROP COLUMN trace_parent');
}
