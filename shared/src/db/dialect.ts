/**
 * Everything that differs between MySQL/MariaDB and the embedded SQLite file, in
 * one place. The SQL files (timers/sql, schedules/sql, attempts/sql, fleet/sql) are written once and
 * interpolate these fragments; nothing else in the code asks which database it has.
 *
 *                 MySQL / MariaDB                        SQLite (one process, one connection)
 *   timestamps    DATETIME(3), UTC                       INTEGER, milliseconds since the epoch (UTC)
 *   now           NOW(3)                                 'now' in ms (SQLite keeps it fixed within a statement)
 *   t ± d         t + INTERVAL ? MICROSECOND, bound µs   t + ?, bound ms
 *   t2 − t1       TIMESTAMPDIFF(MICROSECOND, …) DIV 1000  t2 − t1
 *   later of two  GREATEST(a, b)                         MAX(a, b) (the scalar, two-argument MAX)
 *   upsert        ON DUPLICATE KEY UPDATE c = VALUES(c)  ON CONFLICT (key) DO UPDATE SET c = excluded.c
 *   insert once   ON DUPLICATE KEY UPDATE k = k          ON CONFLICT (key) DO NOTHING
 *                 (a no-op on any unique key)            (on that key only)
 *   claim lock    FOR UPDATE SKIP LOCKED                 nothing: the process holds the file's
 *                                                        exclusive lock, and its one connection runs
 *                                                        one transaction at a time
 *   row lock      FOR UPDATE                             nothing, for the same reason
 *   knex.raw      [rows, fields], { affectedRows }       rows, { changes }
 *   time limit    the query is killed after it           none: better-sqlite3 runs a statement
 *                                                        synchronously; no timer can interrupt it
 *   statements    one round trip where the pool takes    a transaction on the one connection
 *   that commit   several statements a query (the
 *   together      controller's), else a transaction
 *
 * Identical in both, and so not here: `(id, lease_token) IN ((?, ?), …)` (SQLite
 * reads a list of row values as VALUES), `LIMIT ?`, `IN (…)`, the statuses as text.
 */
import type { Knex } from 'knex';

/** A timestamp as the driver returns it: a Date from mysql2, milliseconds from better-sqlite3. */
export type DbTime = Date | number;

export interface Dialect {
  readonly name: 'mysql' | 'sqlite';
  /** The database clock, to the millisecond, in the columns' representation. */
  readonly now: string;
  /** The database clock as milliseconds since the epoch, for measuring skew. */
  readonly nowEpochMs: string;
  /** The database clock as finely as it reads, in milliseconds since the epoch (with a fraction where it has one). */
  readonly preciseNowEpochMs: string;
  /** How finely preciseNowEpochMs reads, in ms: the reading is the truth cut down to this. */
  readonly clockResolutionMs: number;
  /** `expr` plus the duration bound to its `?` (bind `duration(ms)`). */
  plus(expr: string): string;
  /** `expr` minus the duration bound to its `?` (bind `duration(ms)`). */
  minus(expr: string): string;
  /** The binding for a `?` in plus()/minus(). */
  duration(ms: number): number;
  /** Whole milliseconds from `from` to `to` (negative when `to` is earlier). */
  msBetween(from: string, to: string): string;
  /** The later of two timestamps. */
  greatest(a: string, b: string): string;
  /** What follows the claim's SELECT to lock the rows it returns. */
  readonly claimLock: string;
  /** What follows a SELECT to lock its rows, waiting for them (a limited flow's row). */
  readonly rowLock: string;
  /** `INSERT … VALUES (…)` followed by this updates the row whose `key` already exists. */
  onConflictUpdate(key: string): string;
  /** In the update part of onConflictUpdate: the value the INSERT tried to write. */
  inserted(column: string): string;
  /** `INSERT … VALUES (…)` followed by this skips each row whose `key` (columns, comma-separated) already exists. */
  onConflictIgnore(key: string): string;
  /** `expr` equals the value bound to its `?`, NULL equal to NULL. */
  nullSafeEquals(expr: string): string;
  /** A timestamp column as a Date. */
  date(value: DbTime): Date;
  /** The rows of a knex.raw SELECT. */
  rows(result: unknown): unknown[];
  /** The rows a knex.raw INSERT/UPDATE/DELETE changed. */
  changes(result: unknown): number;
  /** Puts a time limit on a query, where the driver can enforce one. */
  bound(query: Knex.Raw, timeoutMs: number): Knex.Raw;
}

const mysql: Dialect = {
  name: 'mysql',
  now: 'NOW(3)',
  nowEpochMs: 'ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000)',
  preciseNowEpochMs: 'UNIX_TIMESTAMP(NOW(6)) * 1000',
  clockResolutionMs: 0.001,
  plus: (expr) => `${expr} + INTERVAL ? MICROSECOND`,
  minus: (expr) => `${expr} - INTERVAL ? MICROSECOND`,
  duration: (ms) => Math.round(ms * 1000),
  msBetween: (from, to) => `TIMESTAMPDIFF(MICROSECOND, ${from}, ${to}) DIV 1000`,
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  claimLock: 'FOR UPDATE SKIP LOCKED',
  rowLock: 'FOR UPDATE',
  onConflictUpdate: () => 'ON DUPLICATE KEY UPDATE',
  inserted: (column) => `VALUES(${column})`,
  onConflictIgnore: (key) => {
    const first = key.split(',')[0].trim();
    return `ON DUPLICATE KEY UPDATE ${first} = ${first}`;
  },
  nullSafeEquals: (expr) => `${expr} <=> ?`,
  date: (value) => value as Date,
  rows: (result) => (result as [unknown[]])[0],
  changes: (result) => (result as [{ affectedRows: number }])[0].affectedRows,
  bound: (query, timeoutMs) => query.timeout(timeoutMs, { cancel: true }),
};

// julianday('now') is the statement's time at millisecond resolution; the round
// trip through a double is exact once rounded.
const SQLITE_NOW = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)";

const sqlite: Dialect = {
  name: 'sqlite',
  now: SQLITE_NOW,
  nowEpochMs: SQLITE_NOW,
  preciseNowEpochMs: SQLITE_NOW,
  clockResolutionMs: 1,
  plus: (expr) => `${expr} + ?`,
  minus: (expr) => `${expr} - ?`,
  duration: (ms) => Math.round(ms),
  msBetween: (from, to) => `(${to} - ${from})`,
  greatest: (a, b) => `MAX(${a}, ${b})`,
  claimLock: '',
  rowLock: '',
  onConflictUpdate: (key) => `ON CONFLICT (${key}) DO UPDATE SET`,
  inserted: (column) => `excluded.${column}`,
  onConflictIgnore: (key) => `ON CONFLICT (${key}) DO NOTHING`,
  nullSafeEquals: (expr) => `${expr} IS ?`,
  date: (value) => new Date(value),
  rows: (result) => result as unknown[],
  changes: (result) => (result as { changes: number }).changes,
  bound: (query) => query,
};

/** The dialect of a knex instance or transaction, from the driver of the client it was built with. */
export function dialectOf(db: Knex | Knex.Transaction): Dialect {
  const driver = (db.client as { driverName?: string }).driverName;
  if (driver === 'mysql2') return mysql;
  if (driver === 'better-sqlite3') return sqlite;
  throw new Error(`No SQL dialect for the knex driver ${String(driver)}`);
}
