/**
 * The one wrapper around knex.raw: mysql2 answers `[rows, fields]`, and every
 * query gets a time limit (a timed-out query is killed, not left running).
 */
import type { Knex } from 'knex';

export interface WriteResult {
  affectedRows: number;
}

export async function select<T>(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  sql: string,
  bindings: readonly unknown[] = [],
): Promise<T[]> {
  const [rows] = await db.raw(sql, bindings as Knex.RawBinding[]).timeout(timeoutMs, { cancel: true });
  return rows as T[];
}

export async function write(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  sql: string,
  bindings: readonly unknown[] = [],
): Promise<number> {
  const [result] = await db.raw(sql, bindings as Knex.RawBinding[]).timeout(timeoutMs, { cancel: true });
  return (result as WriteResult).affectedRows;
}
