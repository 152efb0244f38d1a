/**
 * The one wrapper around knex.raw: each driver answers in its own shape (mysql2:
 * `[rows, fields]`; better-sqlite3: rows, or `{ changes }`), and every query gets
 * the time limit its driver can enforce (a timed-out MySQL query is killed, not
 * left running). See dialect.ts.
 */
import type { Knex } from 'knex';
import { Clock, systemClock } from '../clock';
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
