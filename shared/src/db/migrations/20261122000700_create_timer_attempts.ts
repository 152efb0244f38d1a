/**
 * timer_attempts: the delivery history, one row per request a controller sent.
 *
 * Keyed by (timer_id, lease_token): a claim sends at most one request, and
 * lease_token grows with every claim (never reset, not even by a replay), so the
 * key is unique and its order is the order of the attempts. The controller writes
 * a row in the same transaction as the outcome it led to, and the write is retried
 * until it lands, so a retried write must not fail on a row that did land: it
 * inserts with an ON CONFLICT/ON DUPLICATE KEY no-op. Listing a timer's attempts is
 * a range of the primary key; the retention cleanup deletes them the same way.
 *
 * status_code is the HTTP answer (NULL when none came); error_class says why an
 * attempt failed without one, or `http` for a non-2xx answer (see the api's
 * Attempt schema). outcome is what the controller did next: delivered, retry,
 * failed, or released (aborted by a shutdown and handed back).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122000700_create_timer_attempts';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') return upSqlite(knex);
  await knex.raw(`
    CREATE TABLE timer_attempts (
      timer_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      lease_token BIGINT UNSIGNED NOT NULL,
      attempt INT UNSIGNED NOT NULL,
      started_at DATETIME(3) NOT NULL,
      finished_at DATETIME(3) NOT NULL,
      duration_ms INT UNSIGNED NOT NULL,
      status_code SMALLINT UNSIGNED NULL,
      error_class VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
      error VARCHAR(1024) NULL,
      outcome VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      controller_id VARCHAR(64) NOT NULL,
      lateness_ms BIGINT NOT NULL,
      PRIMARY KEY (timer_id, lease_token)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
  `);
}

async function upSqlite(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE timer_attempts (
      timer_id TEXT NOT NULL,
      lease_token INTEGER NOT NULL,
      attempt INTEGER NOT NULL CHECK (attempt >= 1),
      started_at INTEGER NOT NULL,
      finished_at INTEGER NOT NULL,
      duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
      status_code INTEGER NULL,
      error_class TEXT NULL CHECK (length(error_class) <= 32),
      error TEXT NULL CHECK (length(error) <= 1024),
      outcome TEXT NOT NULL CHECK (length(outcome) <= 16),
      controller_id TEXT NOT NULL CHECK (length(controller_id) <= 64),
      lateness_ms INTEGER NOT NULL,
      PRIMARY KEY (timer_id, lease_token)
    ) STRICT
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE timer_attempts');
}
