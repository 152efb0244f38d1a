/**
 * Every test file gets its own database on the real MariaDB/MySQL, created with
 * the schema applied and dropped afterwards, so files run in parallel and leave
 * nothing behind. TEST_DATABASE_URL names the server (default: local root).
 * Suites that run on both dialects ask for a SQLite file instead: a new one in a
 * temporary folder, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import {
  Config,
  createDb,
  DataKeys,
  Db,
  Dialect,
  dialectOf,
  loadConfig,
  migrateToLatest,
  parseDatabaseUrl,
  select,
  Store,
} from '@timer/shared';

export const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** The databases a dual-dialect suite runs on: `describe.each(DIALECTS)`. */
export const DIALECTS = ['mysql', 'sqlite'] as const;
export type DialectName = (typeof DIALECTS)[number];

export interface TestDatabase {
  name: string;
  /** DATABASE_URL for this database on the real server. */
  url: string;
  /** DATABASE_URL for this database through another host:port (a proxy). */
  urlVia(port: number, host?: string): string;
  config: Config;
  db: Db;
  store: Store;
  /** The SQL fragments of this database (now, time arithmetic, …), for rows written by hand. */
  sql: Dialect;
  drop(): Promise<void>;
}

function serverUrl(database: string, port?: number, host?: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  if (port !== undefined) url.port = String(port);
  if (host !== undefined) url.hostname = host;
  return url.href;
}

export function serverPort(): number {
  const parsed = parseDatabaseUrl(SERVER_URL);
  if (typeof parsed === 'string') throw new Error(`TEST_DATABASE_URL ${parsed}`);
  return parsed.port;
}

async function admin<T>(fn: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const d = parseDatabaseUrl(SERVER_URL);
  if (typeof d === 'string') throw new Error(`TEST_DATABASE_URL ${d}`);
  const conn = await mysql.createConnection({ host: d.host, port: d.port, user: d.user, password: d.password });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

/**
 * The test's own pool: quiet, and patient for a connection. CI runs test files in parallel on two
 * cores, where opening a connection has taken over the service's 1 s default; a test that is about
 * that limit sets DB_ACQUIRE_TIMEOUT_MS in `env` (or builds its own config).
 */
const TEST_POOL = { LOG_LEVEL: 'warn', DB_ACQUIRE_TIMEOUT_MS: '30000' };

export async function createTestDatabase(
  label: string,
  env: Record<string, string> = {},
  dialect: DialectName = 'mysql',
): Promise<TestDatabase> {
  if (dialect === 'sqlite') return createTestSqliteFile(label, env);
  const name = `timers_test_${label.replace(/\W/g, '_').slice(0, 24)}_${randomBytes(4).toString('hex')}`;
  await admin((conn) => conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`));
  const url = serverUrl(name);
  return open(name, url, loadConfig({ DATABASE_URL: url, ...TEST_POOL, ...env }), {
    urlVia: (port, host = '127.0.0.1') => serverUrl(name, port, host),
    remove: () => admin((conn) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``)),
  });
}

/** The embedded mode's database, as `npm start` opens it, in a new temporary folder. */
async function createTestSqliteFile(label: string, env: Record<string, string>): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `timers-test-${label.replace(/\W/g, '_').slice(0, 24)}-`));
  const file = path.join(dir, 'timers.sqlite');
  const url = `sqlite:${file}`;
  return open(file, url, loadConfig({ DATABASE_URL: url, ...TEST_POOL, ...env }, { standalone: true }), {
    urlVia: () => {
      throw new Error('A SQLite file is not reached over the network');
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  });
}

/** Opens the database `config` names, brings it to the latest schema, and says how to reach and remove it. */
async function open(
  name: string,
  url: string,
  config: Config,
  where: { urlVia: TestDatabase['urlVia']; remove: () => Promise<unknown> },
): Promise<TestDatabase> {
  // As a controller opens it (the outcome writes in one round trip): most store writes here stand for its.
  const db = createDb(config, undefined, { multipleStatements: true });
  await migrateToLatest(db);
  return {
    name,
    url,
    urlVia: where.urlVia,
    config,
    db,
    store: new Store(db, config.dbQueryTimeoutMs, { dataKeys: new DataKeys(config.dataKeys) }),
    sql: dialectOf(db),
    async drop() {
      await db.destroy();
      await where.remove();
    },
  };
}

/** Rows straight from the table, for asserting on what was (not) written. */
export async function countTimers(db: Db, where = '1 = 1', bindings: readonly unknown[] = []): Promise<number> {
  const [row] = await select<{ n: number | string }>(
    db,
    10_000,
    `SELECT COUNT(*) AS n FROM timers WHERE ${where}`,
    bindings,
  );
  return Number(row.n);
}
