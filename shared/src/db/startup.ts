/**
 * Brings a service's database up to date at start: creates the database if it is
 * missing, applies migrations, and measures clock skew. A database that is not
 * reachable yet (containers starting together) or a migration lock held by another
 * replica is waited out with capped exponential back-off, not treated as fatal.
 * A SQLite file has nothing to wait for: opening it either works or fails for good
 * (another process holds it, the driver is not built), and says why at once.
 */
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import type { Config, SqliteDatabaseConfig } from '../config';
import { errorFields, Logger } from '../logger';
import { exponentialDelay } from '../backoff';
import { ensureDatabase } from './connection';
import { migrateToLatest } from './migrate';
import { measureClockSkew } from './skew';
import { isDriverMissing, openSqliteFile, SQLITE_SETTINGS, SqliteDriverError } from './sqlite';

export interface StartupOptions {
  config: Config;
  db: Knex;
  logger: Logger;
  clock: Clock;
  signal?: AbortSignal;
}

/** Returns the measured skew: database clock minus host clock, in milliseconds. */
export async function prepareDatabase(options: StartupOptions): Promise<number> {
  const { config, db, logger, clock } = options;
  const d = config.database;
  let skew: number;
  if (d.client === 'better-sqlite3') {
    await openSqlite(options, d);
    skew = await measureClockSkew(db, clock, config.dbQueryTimeoutMs);
  } else {
    skew = await migrateWhenReachable(options);
  }
  const skewMs = Math.round(skew);
  const fields = { database: config.database.display, skewMs };
  if (Math.abs(skewMs) > config.clockSkewWarnMs) {
    logger.warn('Host clock differs from the database clock; the database clock decides what is due', fields);
  } else {
    logger.info('Database ready', fields);
  }
  return skewMs;
}

/** Returns the skew measured once the migrations are in: the database can go away between the two. */
async function migrateWhenReachable({ config, db, logger, clock, signal }: StartupOptions): Promise<number> {
  let migrated = false;
  for (let attempt = 1; ; attempt++) {
    try {
      if (!migrated) {
        await ensureDatabase(config.database, config.dbConnectTimeoutMs);
        const applied = await migrateToLatest(db);
        if (applied.length > 0) logger.info('Applied migrations', { migrations: applied });
        migrated = true;
      }
      return await measureClockSkew(db, clock, config.dbQueryTimeoutMs);
    } catch (err) {
      if (signal?.aborted) throw err;
      const delayMs = exponentialDelay(attempt, config.dbRetryBaseMs, config.dbRetryMaxMs);
      logger.warn('Database not ready, retrying', {
        database: config.database.display,
        attempt,
        delayMs,
        ...errorFields(err),
      });
      await clock.sleep(delayMs, signal);
    }
  }
}

/** Opening the file takes its lock: a DatabaseInUseError from here means another process has it. */
async function openSqlite({ config, db, logger }: StartupOptions, d: SqliteDatabaseConfig): Promise<void> {
  try {
    await ensureDatabase(d, config.dbConnectTimeoutMs);
    await openSqliteFile(db);
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info('Applied migrations', { migrations: applied });
  } catch (err) {
    throw isDriverMissing(err) ? new SqliteDriverError(err) : err;
  }
  logger.info('Using SQLite database', { file: d.filename, ...SQLITE_SETTINGS });
}
