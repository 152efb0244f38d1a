/**
 * Brings a service's database up to date at start: creates the database if it is
 * missing, applies migrations, and measures clock skew. A database that is not
 * reachable yet (containers starting together) or a migration lock held by another
 * replica is waited out with capped exponential back-off, not treated as fatal.
 * A SQLite file has nothing to wait for: opening it either works or fails for good
 * (another process holds it, the driver is not built), and says why at once.
 */
import type { Knex } from 'knex';
import { Clock, systemClock } from '../clock';
import type { Config, SqliteDatabaseConfig } from '../config';
import { errorFields, Logger } from '../logger';
import { exponentialDelay } from '../backoff';
import { ensureDatabase } from './connection';
import { migrateToLatest } from './migrate';
import { ClockMeasurement, measureClockOffset } from './skew';
import { isDriverMissing, openSqliteFile, SQLITE_SETTINGS, SqliteDriverError } from './sqlite';

export interface StartupOptions {
  config: Config;
  db: Knex;
  logger: Logger;
  clock: Clock;
  signal?: AbortSignal;
}

/**
 * Returns the database clock's offset from the host's (database minus host, in ms)
 * as measured. On a SQLite file read with the system clock it is exactly 0: SQLite
 * reads that same clock, in this very process.
 */
export async function prepareDatabase(options: StartupOptions): Promise<ClockMeasurement> {
  const { config, db, logger, clock } = options;
  const d = config.database;
  let skew: ClockMeasurement;
  if (d.client === 'better-sqlite3') {
    await openSqlite(options, d);
    skew =
      clock === systemClock
        ? { offset: 0, uncertainty: 0 }
        : await measureClockOffset(db, clock, config.dbQueryTimeoutMs);
  } else {
    skew = await migrateWhenReachable(options);
  }
  const skewMs = Math.round(skew.offset);
  const fields = { database: config.database.display, skewMs };
  if (Math.abs(skewMs) > config.clockSkewWarnMs) {
    logger.warn('Host clock differs from the database clock; the database clock decides what is due', fields);
  } else {
    logger.info('Database ready', fields);
  }
  return skew;
}

/** Returns the offset measured once the migrations are in: the database can go away between the two. */
async function migrateWhenReachable({ config, db, logger, clock, signal }: StartupOptions): Promise<ClockMeasurement> {
  let migrated = false;
  for (let attempt = 1; ; attempt++) {
    try {
      if (!migrated) {
        await ensureDatabase(config.database, config.dbConnectTimeoutMs);
        const applied = await migrateToLatest(db);
        if (applied.length > 0) logger.info('Applied migrations', { migrations: applied });
        migrated = true;
      }
      return await measureClockOffset(db, clock, config.dbQueryTimeoutMs);
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
