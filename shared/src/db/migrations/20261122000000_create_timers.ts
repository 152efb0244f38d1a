/**
 * The timers table, in one statement: MySQL commits DDL implicitly, so a CREATE
 * followed by separate ALTERs could leave half a schema behind if one failed.
 *
 * `due_at` is when somebody must next look at the timer: its fire or retry time
 * while pending, its lease expiry while firing, NULL once finished. That single
 * column turns "due, not held by a live lease, oldest first" into one range scan
 * of `timers_due_at` (`due_at <= NOW(3) ORDER BY due_at`), however many finished
 * or far-future timers the table holds.
 *
 * SQLite (the embedded mode) gets the same table in its own types: timestamps are
 * INTEGER milliseconds since the epoch (UTC), the enum and the lengths are CHECKs,
 * and STRICT refuses a value of the wrong type. Its DDL is transactional and knex
 * runs each migration in a transaction, so the three statements land together.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122000000_create_timers';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') return upSqlite(knex);
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

async function upSqlite(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE timers (
      id TEXT NOT NULL PRIMARY KEY,
      url TEXT NOT NULL CHECK (length(url) <= 2048),
      status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'firing', 'fired', 'failed', 'canceled')),
      fire_at INTEGER NOT NULL,
      due_at INTEGER NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      fired_at INTEGER NULL,
      attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_error TEXT NULL CHECK (length(last_error) <= 1024),
      locked_by TEXT NULL CHECK (length(locked_by) <= 64),
      lease_token INTEGER NOT NULL DEFAULT 0 CHECK (lease_token >= 0)
    ) STRICT
  `);
  await knex.raw('CREATE INDEX timers_due_at ON timers (due_at)');
  await knex.raw('CREATE INDEX timers_status_id ON timers (status, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE timers');
}
