/**
 * The embedded mode's database: one SQLite file, opened through knex, for one
 * process that runs the api and the controller together.
 *
 * - better-sqlite3 is a dependency of the root package (`npm start`), not of
 *   @timer/shared: the service images, which are MySQL-only, neither ship nor build it.
 * - The file is opened by a database thread that owns the one connection
 *   (sqlite/client.ts): the main thread never waits on a commit's fsync, and the
 *   writes that arrive together share one commit (sqlite/groupCommit.ts).
 * - How the file is opened (WAL, synchronous=FULL, an exclusive lock): sqlite/session.ts.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import knex, { Knex } from 'knex';
import type { Config, SqliteDatabaseConfig } from '../config';
import { SqliteThreadClient } from './sqlite/client';
import type { GroupStats } from './sqlite/groupCommit';

export { DatabaseInUseError, isDriverMissing, SQLITE_SETTINGS, SqliteDriverError } from './sqlite/session';

export function createSqliteDb(config: Config, d: SqliteDatabaseConfig, log: Knex.Logger): Knex {
  return knex({
    client: SqliteThreadClient as unknown as typeof Knex.Client,
    connection: { filename: d.filename, lockWaitMs: config.dbConnectTimeoutMs } as Knex.Sqlite3ConnectionConfig,
    useNullAsDefault: true,
    // Names for callers, not connections (the thread has the one connection): as many as
    // may have a statement or transaction under way at once, to share a commit.
    pool: { min: 0, max: config.dbPoolSize },
    acquireConnectionTimeout: config.dbAcquireTimeoutMs,
    // A failed query's message carries its SQL; without this, also its values (URLs, credentials).
    compileSqlOnError: false,
    log,
  });
}

/** Creates the file's folder; the file itself is created on opening. */
export async function ensureSqliteFolder(d: SqliteDatabaseConfig): Promise<void> {
  const existing = await stat(d.filename).catch(() => null);
  if (existing?.isDirectory()) throw new Error(`${d.filename} is a folder, not a SQLite file`);
  await mkdir(path.dirname(d.filename), { recursive: true });
}

/**
 * Opens the file now, taking its lock, with the lock's own time limit
 * (DB_CONNECT_TIMEOUT_MS) rather than the pool's acquire limit: a DatabaseInUseError
 * from here means another process has it.
 */
export async function openSqliteFile(db: Knex): Promise<void> {
  if (!(db.client instanceof SqliteThreadClient)) throw new Error('Not an embedded SQLite database');
  await db.client.openThread();
}

/** How many groups the SQLite thread has committed, and how many statements and transactions they carried. */
export async function sqliteGroupStats(db: Knex): Promise<GroupStats> {
  if (!(db.client instanceof SqliteThreadClient)) throw new Error('Not an embedded SQLite database');
  return (await db.client.openThread()).stats();
}
