/**
 * The timers table, in one statement: MySQL commits DDL implicitly, so a CREATE
 * followed by separate ALTERs could leave half a schema behind if one failed.
 *
 * `due_at` is when somebody must next look at the timer: its fire or retry time
 * while pending, its lease expiry while firing, NULL once finished. That single
 * column turns "due, not held by a live lease, oldest first" into one range scan
 * of `timers_due_at` (`due_at <= NOW(3) ORDER BY due_at`), however many finished
 * or far-future timers the table holds.
 */
import type { Knex } from 'knex';

export const name = '20261122000000_create_timers';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE timers (
      id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      url VARCHAR(2048) NOT NULL,
      status ENUM('pending', 'firing', 'fired', 'failed', 'canceled') NOT NULL DEFAULT 'pending',
      fire_at DATETIME(3) NOT NULL,
      due_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      fired_at DATETIME(3) NULL,
      attempts INT UNSIGNED NOT NULL DEFAULT 0,
      last_error VARCHAR(1024) NULL,
      locked_by VARCHAR(64) NULL,
      lease_token BIGINT UNSIGNED NOT NULL DEFAULT 0,
      PRIMARY KEY (id),
      KEY timers_due_at (due_at),
      KEY timers_status_id (status, id)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE timers');
}
