/**
 * The one wrapper around knex.raw: each driver answers in its own shape (mysql2:
 * `[rows, fields]`; better-sqlite3: rows, or `{ changes }`), and every query gets
 * the time limit its driver can enforce (a timed-out MySQL query is killed, not
 * left running). See dialect.ts.
 */
import type { Knex } from 'knex';
import { Clock, systemClock } from '../clock';
import { takesMultipleStatements } from './connection';
import { dialectOf } from './dialect';
import { isDeadlock } from './errors';

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

/** A statement and its bindings, to be run with others (writeTogether). */
export interface Statement {
  sql: string;
  bindings: readonly unknown[];
}

/**
 * Runs `statements` as one transaction and returns how many rows each changed.
 *
 * MySQL, on a pool that takes several statements a query (connection.ts
 * DbOptions): one round trip. `START TRANSACTION; …; COMMIT` goes to the server
 * as one query on a connection taken from the pool, where knex's
 * transaction would spend a round trip on each (and a round trip costs this
 * client and the server about as much CPU as a small statement). The server stops
 * at the first statement that fails; the transaction is then rolled back on the
 * same connection before the connection goes back to the pool, so nothing of it
 * commits and the next user finds no transaction open. A connection that broke
 * meanwhile is dropped by the pool (its transaction dies with it on the server).
 * The bindings are bound as in any query (escaped by the driver); nothing is spliced.
 *
 * Elsewhere (SQLite, the api's MySQL pool): a knex transaction, one statement
 * after the other.
 */
export async function writeTogether(db: Knex, timeoutMs: number, statements: readonly Statement[]): Promise<number[]> {
  if (!takesMultipleStatements(db)) {
    return db.transaction(async (trx) => {
      const changed: number[] = [];
      for (const s of statements) changed.push(await write(trx, timeoutMs, s.sql, s.bindings));
      return changed;
    });
  }
  const d = dialectOf(db);
  const connection: unknown = await db.client.acquireConnection();
  // knex runs a query on a given connection (as it does a transaction's) when the builder names it.
  const on = (sql: string, bindings: readonly unknown[] = []) =>
    d.bound(Object.assign(db.raw(sql, bindings as Knex.RawBinding[]), { _connection: connection }), timeoutMs);
  try {
    const sql = ['START TRANSACTION', ...statements.map((s) => s.sql), 'COMMIT'].join(';\n');
    const [results] = (await on(
      sql,
      statements.flatMap((s) => s.bindings),
    )) as unknown as [Array<{ affectedRows: number }>];
    return results.slice(1, -1).map((r) => r.affectedRows);
  } catch (err) {
    await on('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/**
 * Runs a statement again when InnoDB chose it as the victim of a deadlock: the
 * victim's statement was rolled back whole, so running it again is safe, and is
 * what MySQL's manual asks of applications. Only for single statements that are
 * their own transaction; a few tries, each after a short random pause.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, tries = 5, clock: Clock = systemClock): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= tries || !isDeadlock(err)) throw err;
      await clock.sleep(Math.random() * 10 * attempt);
    }
  }
}
