/**
 * A timer's own delivery policy, set by POST /timers and read by the claim:
 *
 *   max_attempts, retry_base_ms, retry_max_ms  the `retry` object; NULL: the
 *                                              controller's MAX_ATTEMPTS,
 *                                              RETRY_BASE_MS, RETRY_MAX_MS
 *   max_lateness_s                             `on_late: "skip"` with
 *                                              max_lateness_seconds; NULL: fire
 *                                              however late (`on_late: "fire"`)
 *   prior_attempts                             attempts made in earlier series,
 *                                              before POST /timers/{id}/retry
 *                                              reset `attempts` for a new one
 *
 * One ALTER statement: on InnoDB it adds the nullable/defaulted columns in place
 * (instant), and as one statement it lands whole or not at all. SQLite adds one
 * column per ALTER, inside the migration's transaction.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122000500_add_timers_delivery_policy';

const COLUMNS: Array<{ name: string; mysql: string; sqlite: string }> = [
  { name: 'max_attempts', mysql: 'SMALLINT UNSIGNED NULL', sqlite: 'INTEGER NULL CHECK (max_attempts >= 1)' },
  { name: 'retry_base_ms', mysql: 'INT UNSIGNED NULL', sqlite: 'INTEGER NULL CHECK (retry_base_ms >= 1)' },
  { name: 'retry_max_ms', mysql: 'INT UNSIGNED NULL', sqlite: 'INTEGER NULL CHECK (retry_max_ms >= 1)' },
  { name: 'max_lateness_s', mysql: 'INT UNSIGNED NULL', sqlite: 'INTEGER NULL CHECK (max_lateness_s >= 1)' },
  {
    name: 'prior_attempts',
    mysql: 'INT UNSIGNED NOT NULL DEFAULT 0',
    sqlite: 'INTEGER NOT NULL DEFAULT 0 CHECK (prior_attempts >= 0)',
  },
];

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    for (const c of COLUMNS) await knex.raw(`ALTER TABLE timers ADD COLUMN ${c.name} ${c.sqlite}`);
    return;
  }
  await knex.raw(`ALTER TABLE timers ${COLUMNS.map((c) => `ADD COLUMN ${c.name} ${c.mysql}`).join(', ')}`);
}

export async function down(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    for (const c of [...COLUMNS].reverse()) await knex.raw(`ALTER TABLE timers DROP COLUMN ${c.name}`);
    return;
  }
  await knex.raw(`ALTER TABLE timers ${COLUMNS.map((c) => `DROP COLUMN ${c.name}`).join(', ')}`);
}
