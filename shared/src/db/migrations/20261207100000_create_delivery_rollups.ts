/**
 * delivery_rollups: what each controller did per minute for each tenant, the data
 * behind the dashboard's charts (deliveries per minute by outcome, lateness
 * percentiles) without reading the delivery history. A controller buffers its
 * counts in memory and writes them once a minute in one upsert that adds to the
 * row (a restart within the minute adds, never overwrites). The lateness columns
 * are a histogram with fixed bounds in ms (rollups/buckets.ts): lateness_le_N
 * counts the requests that left more than the previous bound and at most N ms
 * after their due time. The primary key starts with the minute: the charts read a
 * range of minutes, and the retention cleanup deletes from the oldest.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207100000_create_delivery_rollups';

const BUCKETS = [
  'lateness_le_5',
  'lateness_le_10',
  'lateness_le_25',
  'lateness_le_50',
  'lateness_le_100',
  'lateness_le_250',
  'lateness_le_500',
  'lateness_le_1000',
  'lateness_le_2500',
  'lateness_le_5000',
  'lateness_le_10000',
  'lateness_le_30000',
  'lateness_le_60000',
  'lateness_over_60000',
];
const COUNTS = ['delivered', 'retried', 'failed', 'skipped', ...BUCKETS];

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw(`
      CREATE TABLE delivery_rollups (
        minute INTEGER NOT NULL,
        tenant TEXT NOT NULL CHECK (length(tenant) <= 64),
        controller_id TEXT NOT NULL CHECK (length(controller_id) <= 64),
        ${COUNTS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(',\n        ')},
        PRIMARY KEY (minute, tenant, controller_id)
      ) STRICT
    `);
    return;
  }
  await knex.raw(`
    CREATE TABLE delivery_rollups (
      minute DATETIME NOT NULL,
      tenant VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      controller_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      ${COUNTS.map((c) => `${c} INT UNSIGNED NOT NULL DEFAULT 0`).join(',\n      ')},
      PRIMARY KEY (minute, tenant, controller_id)
    ) ENGINE = InnoDB
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE delivery_rollups');
}
