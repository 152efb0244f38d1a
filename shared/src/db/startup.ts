/**
 * Brings a service's database up to date at start: creates the database if it is
 * missing, applies migrations, and measures clock skew. A database that is not
 * reachable yet (containers starting together) or a migration lock held by another
 * replica is waited out with capped exponential back-off, not treated as fatal.
 */
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { errorFields, Logger } from '../logger';
import { sleep } from '../clock';
import { exponentialDelay } from '../backoff';
import { ensureDatabase } from './connection';
import { migrateToLatest } from './migrate';
import { measureClockSkew } from './skew';

export interface StartupOptions {
  config: Config;
  db: Knex;
  logger: Logger;
  clock: Clock;
  signal?: AbortSignal;
}

/** Returns the measured skew: database clock minus host clock, in milliseconds. */
export async function prepareDatabase({ config, db, logger, clock, signal }: StartupOptions): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureDatabase(config.database, config.dbConnectTimeoutMs);
      const applied = await migrateToLatest(db);
      if (applied.length > 0) logger.info('Applied migrations', { migrations: applied });
      break;
    } catch (err) {
      if (signal?.aborted) throw err;
      const delayMs = exponentialDelay(attempt, config.dbRetryBaseMs, config.dbRetryMaxMs);
      logger.warn('Database not ready, retrying', {
        database: config.database.display,
        attempt,
        delayMs,
        ...errorFields(err),
      });
      await sleep(delayMs, signal);
    }
  }
  const skewMs = Math.round(await measureClockSkew(db, clock, config.dbQueryTimeoutMs));
  const fields = { database: config.database.display, skewMs };
  if (Math.abs(skewMs) > config.clockSkewWarnMs) {
    logger.warn('Host clock differs from the database clock; the database clock decides what is due', fields);
  } else {
    logger.info('Database ready', fields);
  }
  return skewMs;
}
