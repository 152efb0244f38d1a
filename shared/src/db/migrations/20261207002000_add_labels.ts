/**
 * Labels, and Idempotency-Keys that stand for a batch.
 *
 * - timers.labels, schedules.labels: the labels as given (a JSON object of
 *   strings), shown by the api; an occurrence copies its schedule's.
 * - timer_labels: one row per (tenant, label, timer), the label written
 *   `name:value`. Its primary key (tenant, label, timer_id) is what a label
 *   filter reads: one range per tenant and label, newest timer first, so a page
 *   is a backward range scan stopped after `limit` matches, the cursor (the last
 *   id) starts the next one inside the same range, and one tenant's labels never
 *   make another's scan longer. timer_labels_timer (timer_id) lets the retention
 *   cleanup delete a timer's labels with it.
 * - idempotency_keys.timer_ids: for a key sent with POST /timers/batch, the JSON
 *   array of the timers it created, in order (timer_id holds the first). NULL for
 *   a key of a single create.
 *
 * MySQL commits each DDL statement on its own, so each step checks whether it is
 * already done: a migration cut off between two statements completes on the next
 * start instead of failing on a column that exists. Nullable columns: in-place,
 * metadata-only changes on InnoDB. SQLite runs all of it in the migration's
 * transaction.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207002000_add_labels';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') return upSqlite(knex);
  if (!(await knex.schema.hasColumn('timers', 'labels'))) {
    await knex.raw('ALTER TABLE timers ADD COLUMN labels TEXT NULL');
  }
  if (!(await knex.schema.hasColumn('schedules', 'labels'))) {
    await knex.raw('ALTER TABLE schedules ADD COLUMN labels TEXT NULL');
  }
  if (!(await knex.schema.hasColumn('idempotency_keys', 'timer_ids'))) {
    await knex.raw('ALTER TABLE idempotency_keys ADD COLUMN timer_ids MEDIUMTEXT CHARACTER SET ascii NULL');
  }
  if (!(await knex.schema.hasTable('timer_labels'))) {
    await knex.raw(`
      CREATE TABLE timer_labels (
        tenant VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        label VARCHAR(200) NOT NULL,
        timer_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        PRIMARY KEY (tenant, label, timer_id),
        KEY timer_labels_timer (timer_id)
      ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
    `);
  }
}

async function upSqlite(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE timers ADD COLUMN labels TEXT NULL');
  await knex.raw('ALTER TABLE schedules ADD COLUMN labels TEXT NULL');
  await knex.raw('ALTER TABLE idempotency_keys ADD COLUMN timer_ids TEXT NULL');
  await knex.raw(`
    CREATE TABLE timer_labels (
      tenant TEXT NOT NULL CHECK (length(tenant) <= 64),
      label TEXT NOT NULL CHECK (length(label) <= 200),
      timer_id TEXT NOT NULL,
      PRIMARY KEY (tenant, label, timer_id)
    ) STRICT, WITHOUT ROWID
  `);
  await knex.raw('CREATE INDEX timer_labels_timer ON timer_labels (timer_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE timer_labels');
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE idempotency_keys DROP COLUMN timer_ids');
    await knex.raw('ALTER TABLE schedules DROP COLUMN labels');
    await knex.raw('ALTER TABLE timers DROP COLUMN labels');
    return;
  }
  await knex.raw('ALTER TABLE idempotency_keys DROP COLUMN timer_ids');
  await knex.raw('ALTER TABLE schedules DROP COLUMN labels');
  await knex.raw('ALTER TABLE timers DROP COLUMN labels');
}
