/**
 * The controllers that are running, and where to reach them. Each controller
 * refreshes its row every few seconds; the api reads the fresh ones to nudge them
 * when a new timer is due sooner than their next poll. A row whose heartbeat is
 * old is simply ignored (and replaced when that id starts again).
 */
import type { Knex } from 'knex';

export const name = '20261122000100_create_controllers';

export async function up(knex: Knex): Promise<void> {
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

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE controllers');
}
