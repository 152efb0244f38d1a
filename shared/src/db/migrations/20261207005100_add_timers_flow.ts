/**
 * timers.flow_key: the flow a timer belongs to (its own `flow_key`, else its URL's
 * origin, resolved by the api at creation; NULL for timers created before, whose
 * flow is their origin). timers.flow_id and flow_due_at: a timer of a limited flow
 * waits here, "parked", with due_at NULL and its due time in flow_due_at, so the
 * ordinary claim's range scan of timers_due_at never meets it; only its flow's
 * claim takes it, within the flow's limits (see claimFlowTimers.ts). flow_id stays
 * on the timer after its claim, so the fleet can count the flow's requests in
 * flight. Nullable columns: an in-place, metadata-only change on InnoDB.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207005100_add_timers_flow';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw(
      'ALTER TABLE timers ADD COLUMN flow_key TEXT NULL CHECK (flow_key IS NULL OR length(flow_key) <= 255)',
    );
    await knex.raw('ALTER TABLE timers ADD COLUMN flow_id INTEGER NULL');
    await knex.raw('ALTER TABLE timers ADD COLUMN flow_due_at INTEGER NULL');
    return;
  }
  await knex.raw(`
    ALTER TABLE timers
      ADD COLUMN flow_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN flow_id BIGINT UNSIGNED NULL,
      ADD COLUMN flow_due_at DATETIME(3) NULL
  `);
}

export async function down(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE timers DROP COLUMN flow_due_at');
    await knex.raw('ALTER TABLE timers DROP COLUMN flow_id');
    await knex.raw('ALTER TABLE timers DROP COLUMN flow_key');
    return;
  }
  await knex.raw('ALTER TABLE timers DROP COLUMN flow_due_at, DROP COLUMN flow_id, DROP COLUMN flow_key');
}
