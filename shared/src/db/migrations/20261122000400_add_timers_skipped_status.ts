/**
 * A new final status, `skipped`: a timer whose missed-fire policy is `on_late:
 * "skip"` and that a controller found later than its `max_lateness_seconds` is
 * closed without being sent.
 *
 * MySQL/MariaDB: the value is appended to the end of the ENUM, which is an in-place,
 * metadata-only change (no table copy) on InnoDB.
 *
 * SQLite has no ENUM, but the timers table carries a CHECK on the status list, and
 * SQLite cannot alter a CHECK. So the table is rebuilt the way the SQLite manual
 * prescribes (create the new shape, copy, drop, rename, recreate the indexes), all
 * inside the migration's transaction (SQLite DDL is transactional). The new shape
 * is the stored CREATE TABLE text with only the status list changed, so every
 * column added by an earlier migration is kept, in its order.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';
import { select } from '../query';

export const name = '20261122000400_add_timers_skipped_status';

const OLD_STATUSES = "'pending', 'firing', 'fired', 'failed', 'canceled'";
const NEW_STATUSES = `${OLD_STATUSES}, 'skipped'`;

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') return rebuildSqlite(knex, OLD_STATUSES, NEW_STATUSES);
  await knex.raw(`ALTER TABLE timers MODIFY COLUMN status ENUM(${NEW_STATUSES}) NOT NULL DEFAULT 'pending'`);
}

/**
 * Down: a skipped timer has no place in the old list; it becomes `failed` with its
 * reason kept in last_error (both are final states that never fire), then the
 * value is removed.
 */
export async function down(knex: Knex): Promise<void> {
  await knex.raw("UPDATE timers SET status = 'failed' WHERE status = 'skipped'");
  if (dialectOf(knex).name === 'sqlite') return rebuildSqlite(knex, NEW_STATUSES, OLD_STATUSES);
  await knex.raw(`ALTER TABLE timers MODIFY COLUMN status ENUM(${OLD_STATUSES}) NOT NULL DEFAULT 'pending'`);
}

async function rebuildSqlite(knex: Knex, from: string, to: string): Promise<void> {
  const [table] = await select<{ sql: string }>(
    knex,
    60_000,
    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'timers'",
  );
  const check = `CHECK (status IN (${from}))`;
  if (!table || !table.sql.includes(check)) throw new Error(`timers has no ${check} to change`);
  const indexes = await select<{ sql: string }>(
    knex,
    60_000,
    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'timers' AND sql IS NOT NULL",
  );
  const created = table.sql
    .replace(check, `CHECK (status IN (${to}))`)
    .replace(/CREATE TABLE\s+"?timers"?/, 'CREATE TABLE timers_rebuilt');
  await knex.raw(created);
  await knex.raw('INSERT INTO timers_rebuilt SELECT * FROM timers');
  await knex.raw('DROP TABLE timers');
  await knex.raw('ALTER TABLE timers_rebuilt RENAME TO timers');
  for (const index of indexes) await knex.raw(index.sql);
}
