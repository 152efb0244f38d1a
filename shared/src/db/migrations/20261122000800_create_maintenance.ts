/**
 * maintenance: one row per periodic job that must run on one controller at a time
 * (today: `cleanup`, the retention job). A controller runs the job only if its
 * `UPDATE maintenance SET last_run_at = NOW(3) … WHERE name = ? AND last_run_at <=
 * NOW(3) - interval` changed the row: of any number racing, exactly one does.
 * The row is created on first use (an upsert), not here, so this migration is
 * one statement.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122000800_create_maintenance';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw(`
      CREATE TABLE maintenance (
        name TEXT NOT NULL PRIMARY KEY CHECK (length(name) <= 32),
        last_run_at INTEGER NOT NULL,
        run_by TEXT NULL CHECK (length(run_by) <= 64)
      ) STRICT
    `);
    return;
  }
  await knex.raw(`
    CREATE TABLE maintenance (
      name VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      last_run_at DATETIME(3) NOT NULL,
      run_by VARCHAR(64) NULL,
      PRIMARY KEY (name)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE maintenance');
}
