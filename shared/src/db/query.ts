/**
 * The one wrapper around knex.raw: each driver answers in its own shape (mysql2:
 * `[rows, fields]`; better-sqlite3: rows, or `{ changes }`), and every query gets
 * the time limit its driver can enforce (a timed-out MySQL query is killed, not
 * left running). See dialect.ts.
 */
import type { Knex } from 'knex';
import { dialectOf } from './dialect';

export async function select<T>(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  sql: string,
  bindings: readonly unknown[] = [],
): Promise<T[]> {
  const d = dialectOf(db);
  return d.rows(await d.bound(db.raw(sql, bindings as Knex.RawBinding[]), timeoutMs)) as T[];
}

/** Returns how many rows the statement changed. */
export async function write(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  sql: string,
  bindings: readonly unknown[] = [],
): Promise<number> {
  const d = dialectOf(db);
  return d.changes(await d.bound(db.raw(sql, bindings as Knex.RawBinding[]), timeoutMs));
}
