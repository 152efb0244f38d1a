/**
 * Recurring schedules: a cron expression in a time zone and a webhook URL. The
 * controllers turn each occurrence into an ordinary timer (timers.schedule_id,
 * timers.occurrence_at), a little ahead of time.
 *
 * `next_run_at` is the first occurrence not yet created as a timer; NULL while the
 * schedule is paused (or when its rule never fires again), so the controllers'
 * scan, `next_run_at <= NOW(3) + lookahead ORDER BY next_run_at`, is one range of
 * `schedules_next_run_at` that never meets a paused schedule. `owner` is who
 * created it (the API key's id, as for timers), copied onto its timers.
 *
 * SQLite: the same table in its own types (timestamps as INTEGER milliseconds
 * since the epoch, UTC; CHECKs for the lengths), both statements in the
 * migration's transaction.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122001000_create_schedules';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') return upSqlite(knex);
  await knex.raw(`
    CREATE TABLE schedules (
      id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      owner VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
      cron VARCHAR(128) NOT NULL,
      timezone VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      url VARCHAR(2048) NOT NULL,
      paused TINYINT(1) NOT NULL DEFAULT 0,
      next_run_at DATETIME(3) NULL,
      last_occurrence_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      KEY schedules_next_run_at (next_run_at)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
  `);
}

async function upSqlite(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE schedules (
      id TEXT NOT NULL PRIMARY KEY,
      owner TEXT NULL CHECK (owner IS NULL OR length(owner) <= 64),
      cron TEXT NOT NULL CHECK (length(cron) <= 128),
      timezone TEXT NOT NULL CHECK (length(timezone) <= 64),
      url TEXT NOT NULL CHECK (length(url) <= 2048),
      paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
      next_run_at INTEGER NULL,
      last_occurrence_at INTEGER NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT
  `);
  await knex.raw('CREATE INDEX schedules_next_run_at ON schedules (next_run_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE schedules');
}
