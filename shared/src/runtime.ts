/**
 * The common life of a service process: read the config (fail fast, naming every
 * bad variable), connect, migrate, start, and on SIGTERM/SIGINT stop in order and
 * exit 0. `npm start` runs api and controller through one of these, sharing the
 * config, the pool and the logger; it alone may use the embedded SQLite file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { Clock, systemClock } from './clock';
import { Config, ConfigError, loadConfig, LoadOptions } from './config';
import { KeyFileError } from './crypto/keyFile';
import { dataKeysFor } from './crypto/keySource';
import { createDb } from './db/connection';
import { DbClock } from './db/dbClock';
import { DatabaseInUseError, isDriverMissing, SqliteDriverError } from './db/sqlite';
import { ClockMeasurement } from './db/skew';
import { prepareDatabase } from './db/startup';
import { createLogger, errorFields, Logger } from './logger';
import { LocalControllers } from './fleet/local';
import { Metrics } from './metrics';
import { Store } from './store';
import { tracingSummary } from './tracing/config';
import { startTracing, Tracing } from './tracing/tracing';

/** The services' version (the shared package's, one level above both src/ and dist/): on every span's resource. */
const SERVICE_VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

export interface ServiceContext {
  config: Config;
  logger: Logger;
  db: Knex;
  store: Store;
  /** The host's clock: pacing, sleeps, timeouts. */
  clock: Clock;
  /** The database's clock, read locally: what fire_at and lateness are measured on. */
  dbClock: DbClock;
  metrics: Metrics;
  /** Controllers in this process, for the api to call in-process (`npm start`). */
  local?: LocalControllers;
  /** OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set, else a tracing that does nothing. */
  tracing: Tracing;
}

/** Starts something and returns how to stop it. */
export type Starter = (ctx: ServiceContext) => Promise<() => Promise<void>>;

/** Failures whose message says all there is to say: printed as they are, no stack. */
function isPlainStartError(err: unknown): err is Error {
  return err instanceof DatabaseInUseError || err instanceof SqliteDriverError || err instanceof KeyFileError;
}

export interface RunOptions extends LoadOptions {
  /** The pool takes several statements a query (a controller's: see connection.ts DbOptions). */
  multipleStatements?: boolean;
}

export async function runService(name: string, starters: Starter[], options: RunOptions = {}): Promise<void> {
  const { multipleStatements, ...loadOptions } = options;
  let config: Config;
  try {
    config = loadConfig(process.env, { separateProcess: !loadOptions.standalone, ...loadOptions });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // Before the logger, so that its lines carry the active span's ids; with tracing off nothing is loaded.
  const tracing = await startTracing(config.tracing, name, SERVICE_VERSION).catch((err: unknown) => {
    process.stderr.write(`Tracing could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
  const logger = createLogger({
    level: config.logLevel,
    service: name,
    traceIds: tracing.enabled ? () => tracing.activeIds() : undefined,
  });
  const crash = (what: string) => (err: unknown) => {
    if (isPlainStartError(err)) {
      logger.error(what, errorFields(err));
      process.stderr.write(`${err.message}\n`);
    } else {
      logger.error(what, { ...errorFields(err), stack: err instanceof Error ? err.stack : undefined });
    }
    process.exit(1);
  };
  process.on('uncaughtException', crash('Uncaught exception, exiting'));
  process.on('unhandledRejection', crash('Unhandled rejection, exiting'));

  let db: Knex;
  try {
    db = createDb(config, logger, { multipleStatements });
  } catch (err) {
    // knex loads the driver module here: better-sqlite3 may be missing.
    return crash('Start failed')(isDriverMissing(err) ? new SqliteDriverError(err) : err);
  }
  let store: Store;
  try {
    const dataKeys = await dataKeysFor(config, logger);
    store = new Store(db, config.dbQueryTimeoutMs, { createBatchSize: config.createBatchSize, dataKeys });
  } catch (err) {
    return crash('Start failed')(err);
  }
  const starting = new AbortController();
  const stops: Array<() => Promise<void>> = [];
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('Shutting down', { signal });
    starting.abort();
    try {
      // Stop in reverse order of start: in `npm start` the controller drains before the api closes.
      for (const stop of stops.reverse()) await stop();
      await db.destroy();
      // The spans of the last deliveries go out before the process does.
      await tracing.shutdown().catch((err) => logger.warn('Could not export the last spans', errorFields(err)));
      logger.info('Stopped');
      process.exit(0);
    } catch (err) {
      crash('Shutdown failed')(err);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  logger.info('Starting', {
    database: config.database.display,
    ...securitySummary(config),
    tracing: tracingSummary(config.tracing),
  });
  try {
    const skew = await prepareDatabase({ config, db, logger, clock: systemClock, signal: starting.signal });
    const { dbClock, stopSync } = await databaseClock(db, config, skew, logger);
    stops.push(async () => stopSync());
    const ctx: ServiceContext = {
      config,
      logger,
      db,
      store,
      clock: systemClock,
      dbClock,
      metrics: new Metrics(),
      local: new LocalControllers(),
      tracing,
    };
    for (const start of starters) {
      if (stopping) return;
      stops.push(await start(ctx));
    }
  } catch (err) {
    if (stopping) return;
    crash('Start failed')(err);
  }
}

/** How often the database clock is re-measured: its drift (20 ppm) adds up to 0.2 ms in between. */
const CLOCK_SYNC_INTERVAL_MS = 10_000;

/**
 * The database clock, from the offset measured at start. An exact offset (a SQLite
 * file, which reads this process's own clock) stays as it is. A measured one is
 * refined at once (the best of a few round trips) and then re-measured in the
 * background; a refinement that fails (the database may go away again right now)
 * must not stop the start, and the periodic sync retries.
 */
async function databaseClock(db: Knex, config: Config, skew: ClockMeasurement, logger: Logger) {
  if (skew.uncertainty === 0) return { dbClock: new DbClock(systemClock, skew.offset), stopSync: () => {} };
  const dbClock = new DbClock(systemClock);
  dbClock.consider(skew);
  await dbClock
    .sync(db, config.dbQueryTimeoutMs)
    .catch((err) => logger.warn('Clock sync failed; using the offset measured at start', errorFields(err)));
  return { dbClock, stopSync: dbClock.keepInSync(db, config.dbQueryTimeoutMs, CLOCK_SYNC_INTERVAL_MS, logger) };
}

/**
 * What a reader of the first log line needs to know about how exposed this
 * process is: whether the api asks for keys, whether webhooks are signed, and
 * where they may go. Counts, never the keys themselves.
 */
export function securitySummary(config: Config): Record<string, string> {
  const count = (n: number, what: string) => `on (${n} ${what}${n === 1 ? '' : 's'})`;
  const { webhookTargets } = config;
  return {
    apiKeys:
      config.apiKeyDigests.length > 0
        ? count(config.apiKeyDigests.length, 'key')
        : 'off (open unless keys were made with npm run keys)',
    adminKeys: config.adminKeyDigests.length > 0 ? count(config.adminKeyDigests.length, 'key') : 'off',
    webhookSigning: config.webhookSecrets.length > 0 ? count(config.webhookSecrets.length, 'key') : 'off',
    webhookTargets:
      webhookTargets.allowedPorts.length > 0
        ? `${webhookTargets.mode}, ports ${webhookTargets.allowedPorts.join(',')}`
        : webhookTargets.mode,
  };
}
