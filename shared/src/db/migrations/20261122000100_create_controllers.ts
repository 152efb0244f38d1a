/**
 * The controllers that are running, and where to reach them. Each controller
 * refreshes its row every few seconds; the api reads the fresh ones to nudge them
 * when a new timer is due sooner than their next poll. A row whose heartbeat is
 * old is simply ignored (and replaced when that id starts again).
 *
 * SQLite: the same table, timestamps as INTEGER milliseconds since the epoch (UTC).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122000100_create_controllers';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') return upSqlite(knex);
  await knex.raw(`
    CREATE TABLE controllers (
      id VARCHAR(64) NOT NULL,
      endpoint VARCHAR(512) NOT NULL,
      started_at DATETIME(3) NOT NULL,
      heartbeat_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      KEY controllers_heartbeat_at (heartbeat_at)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
  `);
}

async function upSqlite(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE controllers (
      id TEXT NOT NULL PRIMARY KEY CHECK (length(id) <= 64),
      endpoint TEXT NOT NULL CHECK (length(endpoint) <= 512),
      started_at INTEGER NOT NULL,
      heartbeat_at INTEGER NOT NULL
    ) STRICT
  `);
  await knex.raw('CREATE INDEX controllers_heartbeat_at ON controllers (heartbeat_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE controllers');
}
