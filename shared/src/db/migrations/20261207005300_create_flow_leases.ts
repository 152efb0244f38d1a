/**
 * flow_leases: one row per request of a limited flow that the fleet may have in
 * flight. A flow's claim inserts a row per timer it takes, with the claim's lease
 * expiry; the controller deletes the rows once the outcome is recorded. The flow's
 * parallelism counts the live rows (`flow_id = ? AND expires_at > now`): a
 * controller that dies leaves its rows, which stop counting when their lease runs
 * out, as the timers themselves become claimable again. Counting here rather than
 * in `timers` keeps every index of `timers` out of the outcome writes.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207005300_create_flow_leases';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw(`
      CREATE TABLE flow_leases (
        timer_id TEXT NOT NULL PRIMARY KEY,
        flow_id INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT
    `);
    await knex.raw('CREATE INDEX flow_leases_flow ON flow_leases (flow_id, expires_at)');
    return;
  }
  await knex.raw(`
    CREATE TABLE flow_leases (
      timer_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      flow_id BIGINT UNSIGNED NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      PRIMARY KEY (timer_id),
      KEY flow_leases_flow (flow_id, expires_at)
    ) ENGINE = InnoDB
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE flow_leases');
}
