/**
 * The knex connection: mysql2 to MySQL/MariaDB, or better-sqlite3 to the embedded
 * file (sqlite.ts). For MySQL every bound is explicit so that a database that is
 * down or slow turns into a fast error instead of a hung request: connecting,
 * acquiring a pooled connection and running a query all have time limits.
 */
import knex, { Knex } from 'knex';
import mysql from 'mysql2/promise';
import type { Config, DatabaseConfig, MysqlDatabaseConfig } from '../config';
import type { Logger } from '../logger';
import { createSqliteDb, ensureSqliteFolder } from './sqlite';

export type Db = Knex;

export interface DbOptions {
  /**
   * MySQL: the pool's connections accept several statements in one query, which
   * writeTogether (query.ts) uses to send a transaction in one round trip. Only
   * the controller's pool asks for it (and `npm start`'s, which the controller
   * shares): its statements are the outcome writes, every value in them bound.
   * The api's pool, which handles what clients send, never accepts more than one
   * statement per query.
   */
  multipleStatements?: boolean;
}

export function createDb(config: Config, logger?: Logger, options: DbOptions = {}): Db {
  const { database: d } = config;
  if (d.client === 'better-sqlite3') return createSqliteDb(config, d, knexLog(logger));
  return createMysqlDb(config, d, logger, options);
}

/** Whether `db`'s connections take several statements in one query (DbOptions). */
export function takesMultipleStatements(db: Knex): boolean {
  const connection = (db.client as { config?: { connection?: { multipleStatements?: boolean } } }).config?.connection;
  return connection?.multipleStatements === true;
}

function createMysqlDb(config: Config, d: MysqlDatabaseConfig, logger: Logger | undefined, options: DbOptions): Db {
  return knex({
    client: 'mysql2',
    connection: {
      host: d.host,
      port: d.port,
      user: d.user,
      password: d.password,
      database: d.database,
      charset: 'utf8mb4',
      // DATETIME columns hold UTC; mysql2 must read and write them as UTC too.
      timezone: 'Z',
      connectTimeout: config.dbConnectTimeoutMs,
      supportBigNumbers: true,
      multipleStatements: options.multipleStatements === true,
    },
    pool: {
      min: 0,
      max: config.dbPoolSize,
      afterCreate: (conn: SessionConnection, done: (err: Error | null, conn: unknown) => void) => {
        prepareSession(conn)
          .then(() => done(null, conn))
          .catch((err: Error) => done(err, conn));
      },
    },
    acquireConnectionTimeout: config.dbAcquireTimeoutMs,
    // A failed query's message carries its SQL; without this, also its values (URLs, credentials).
    compileSqlOnError: false,
    log: knexLog(logger),
  });
}

/**
 * knex prints to the console by default; its warnings repeat what the services
 * already log as one JSON line ("Database unavailable …"), so they go to debug.
 */
function knexLog(logger?: Logger): Knex.Logger {
  return {
    warn: (message: unknown) => logger?.debug('knex warning', { detail: firstLine(message) }),
    error: (message: unknown) => logger?.error('knex error', { detail: firstLine(message) }),
    deprecate: (message: unknown) => logger?.debug('knex deprecation', { detail: firstLine(message) }),
    debug: () => undefined,
  };
}

function firstLine(message: unknown): string {
  return String(message).split('\n')[0].slice(0, 500);
}

interface SessionConnection {
  query(sql: string, cb: (err: Error | null) => void): void;
}

/**
 * UTC so NOW(3) and DATETIME agree across hosts; READ COMMITTED so the claim's
 * `FOR UPDATE` locks only the rows it returns, not the gaps between them, which
 * would otherwise block the api's inserts of timers due in that range.
 */
function prepareSession(conn: SessionConnection): Promise<void> {
  const run = (sql: string) =>
    new Promise<void>((resolve, reject) => conn.query(sql, (err) => (err ? reject(err) : resolve())));
  return run("SET time_zone = '+00:00'").then(() => run('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'));
}

/**
 * Creates the configured database when it does not exist yet, so a fresh MySQL
 * needs no manual step. Lacking the privilege is not fatal: the migrations that
 * follow will report a missing database clearly. For SQLite: creates the file's folder.
 */
export async function ensureDatabase(d: DatabaseConfig, connectTimeoutMs: number): Promise<void> {
  if (d.client === 'better-sqlite3') return ensureSqliteFolder(d);
  const conn = await mysql.createConnection({
    host: d.host,
    port: d.port,
    user: d.user,
    password: d.password,
    connectTimeout: connectTimeoutMs,
  });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${d.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await conn.end();
  }
}
