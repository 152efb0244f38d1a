/**
 * Flows: limits on how fast the fleet sends to one destination. A row exists only
 * for a flow somebody configured (limits, or a pause); a timer whose flow has no
 * row is sent at full speed by the ordinary claim, which never reads this table.
 *
 * `tenant` is the tenant the flow belongs to (the tenant of the key that set it):
 * a timer is in the flow of its own tenant with its flow key; `flow_key` is the
 * timer's own `flow_key` or its URL's origin. `tokens_at` is the rate's theoretical arrival time (GCRA, see
 * flows/sendSlots.ts), moved on by the claim that plans send slots; `paused` keeps
 * the flow's timers waiting. The row is what a flow's claim locks (FOR UPDATE), so claimers of one
 * limited flow take turns, and nobody else waits on them.
 *
 * SQLite: the same table in its own types (timestamps as INTEGER milliseconds).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207005000_create_flows';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') return upSqlite(knex);
  await knex.raw(`
    CREATE TABLE flows (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      tenant VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      flow_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      parallelism INT UNSIGNED NULL,
      rate DOUBLE NULL,
      burst INT UNSIGNED NULL,
      paused TINYINT(1) NOT NULL DEFAULT 0,
      tokens_at DATETIME(3) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY flows_tenant_key (tenant, flow_key)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
  `);
}

async function upSqlite(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE flows (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      tenant TEXT NOT NULL CHECK (length(tenant) <= 64),
      flow_key TEXT NOT NULL CHECK (length(flow_key) <= 255),
      parallelism INTEGER NULL,
      rate REAL NULL,
      burst INTEGER NULL,
      paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
      tokens_at INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )
  `);
  await knex.raw('CREATE UNIQUE INDEX flows_tenant_key ON flows (tenant, flow_key)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE flows');
}
