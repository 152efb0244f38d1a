/**
 * The one place that reads process.env. Every key is validated, every problem is
 * reported in one message, and the result is frozen: the rest of the code receives
 * a Config and never looks at the environment itself.
 */
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseApiKeys } from './auth/apiKeys';
import { DataKey, parseDataKeys } from './crypto/dataKeys';
import { parsePortList, TARGET_MODES, TargetMode, TargetPolicy } from './net/addressPolicy';
import { readTracing, TracingConfig } from './tracing/config';
import { OriginDefault, parseFlowDefaults } from './flows/flowDefaults';

export interface MysqlDatabaseConfig {
  readonly client: 'mysql2';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** The URL with the password masked: safe to log. */
  readonly display: string;
}

/** The embedded mode: one SQLite file, used by one process that runs api and controller. */
export interface SqliteDatabaseConfig {
  readonly client: 'better-sqlite3';
  /** Absolute path of the database file. */
  readonly filename: string;
  /** `sqlite:` + the absolute path. */
  readonly display: string;
}

export type DatabaseConfig = MysqlDatabaseConfig | SqliteDatabaseConfig;

/** What the process that reads the config runs. */
export interface LoadOptions {
  /**
   * Api and controller in this one process (`npm start`). Only such a process may
   * use SQLite, and for it an unset DATABASE_URL means the default SQLite file.
   */
  standalone?: boolean;
  /**
   * The api or a controller as a process of its own (`npm run start:api`,
   * `start:controller`): their calls to each other need INTERNAL_TOKEN.
   */
  separateProcess?: boolean;
}

export interface Config extends SecurityConfig {
  readonly database: DatabaseConfig;
  readonly port: number;
  readonly controllerPort: number;
  readonly host: string;
  readonly logLevel: string;
  readonly pollIntervalMs: number;
  readonly lookaheadMs: number;
  readonly webhookTimeoutMs: number;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly leaseMs: number;
  readonly maxDelaySeconds: number;
  readonly claimBatchSize: number;
  readonly maxInFlight: number;
  readonly maxHeld: number;
  readonly createBatchSize: number;
  readonly apiWorkers: number;
  readonly controllerAdvertiseUrl: string | null;
  /** How often a controller looks for schedules whose next occurrence is near. */
  readonly schedulePollIntervalMs: number;
  /** How far ahead of its time an occurrence is created as a timer. */
  readonly scheduleLookaheadMs: number;
  /** Most schedules one pass takes. */
  readonly scheduleBatchSize: number;
  /** Keys that sign every webhook (Standard Webhooks); several while rotating. Empty: unsigned. */
  readonly webhookSecrets: readonly Buffer[];
  /**
   * DATA_KEYS: the keys that encrypt credentials at rest; the first seals, all open.
   * Empty: none given (the embedded mode then uses its key file; the server mode stores plain text).
   */
  readonly dataKeys: readonly DataKey[];
  readonly shutdownGraceMs: number;
  readonly dbPoolSize: number;
  readonly dbConnectTimeoutMs: number;
  readonly dbAcquireTimeoutMs: number;
  readonly dbQueryTimeoutMs: number;
  readonly dbRetryBaseMs: number;
  readonly dbRetryMaxMs: number;
  readonly clockSkewWarnMs: number;
  /** timer-api: the largest request body; by default room for a MAX_PAYLOAD_BYTES payload however it is escaped. */
  readonly bodyLimitBytes: number;
  /** The largest payload or body a timer may send, in bytes as sent (UTF-8). */
  readonly maxPayloadBytes: number;
  /** POST /timers/batch: most timers in one batch. */
  readonly maxBatchSize: number;
  /** POST /timers/batch: the largest accepted body (a batch is many bodies). */
  readonly batchBodyLimitBytes: number;
  /** DELETE /timers?label=…: most timers one call cancels. */
  readonly maxCancelPerCall: number;
  /** timer-api: every request is answered within this (503 request_timeout otherwise). */
  readonly requestTimeoutMs: number;
  readonly controllerId: string;
  /** How long finished timers and their attempts are kept; 0: forever. */
  readonly retentionDays: number;
  /** How long the delivery rollups (the dashboard's charts) are kept; 0: none are written. */
  readonly rollupRetentionDays: number;
  /** How often the retention cleanup runs (on one controller of the fleet). */
  readonly cleanupIntervalMs: number;
  /** Most rows one cleanup DELETE removes. */
  readonly cleanupBatchSize: number;
  /** The least time between a controller's poll and an early one that a nudge asked for. */
  readonly nudgeMinIntervalMs: number;
  /** HTTP servers: a client must have sent its request headers within this. */
  readonly headersTimeoutMs: number;
  /** Most "Webhook delivered" info lines a controller writes a second; the rest are counted. */
  readonly deliveryLogPerSecond: number;
  /**
   * Shared by the api and the controllers: every controller endpoint that changes
   * behaviour (nudge, give-back) asks for it. null: none set (only `npm start`,
   * whose api calls its controller in-process); those endpoints then refuse all.
   */
  readonly internalToken: string | null;
  /** timer-api: how long it waits for a controller to give back a timer it holds. */
  readonly giveBackTimeoutMs: number;
  /** Connection failures or 5xx answers in a row from one origin that open its circuit breaker. */
  readonly breakerFailures: number;
  /** How long an open breaker keeps its origin's timers waiting before one probe is sent. */
  readonly breakerOpenMs: number;
  /** FLOW_DEFAULTS: default limits per origin, for timers whose own flow is not set (flows/flowDefaults.ts). */
  readonly flowDefaults: readonly OriginDefault[];
  /** OpenTelemetry traces, from the standard OTEL_* variables (README "Tracing"); off unless an endpoint is set. */
  readonly tracing: TracingConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** At least 16 characters a header can carry as they are; the value is never echoed back. */
const INTERNAL_TOKEN_PATTERN = /^[\x21-\x7e]{16,256}$/;

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];
export const DEFAULT_DATABASE_URL = 'mysql://root@127.0.0.1:3306/timers';
/** Where `npm start` keeps its timers when DATABASE_URL is not set (relative to the working directory). */
export const DEFAULT_SQLITE_PATH = './data/timers.sqlite';

type Env = Record<string, string | undefined>;

/** Collects problems instead of throwing at the first one. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    if (!/^\d+$/.test(raw.trim())) {
      this.problems.push(`${name} must be a whole number, got "${raw}"`);
      return fallback;
    }
    const value = Number(raw);
    if (value < min || value > max) {
      this.problems.push(`${name} must be between ${min} and ${max}, got ${value}`);
      return fallback;
    }
    return value;
  }

  oneOf(name: string, fallback: string, allowed: string[]): string {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    if (!allowed.includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw;
  }

  string(name: string, fallback: string, pattern?: RegExp): string {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    if (pattern && !pattern.test(raw)) {
      this.problems.push(`${name} has an invalid value "${raw}" (expected ${pattern})`);
      return fallback;
    }
    return raw;
  }

  /**
   * Standard Webhooks signing keys: `whsec_` + base64 (the prefix is optional),
   * separated by spaces or commas. Never echoed back in a problem report.
   */
  secrets(name: string): Buffer[] {
    const raw = this.env[name]?.trim();
    if (!raw) return [];
    const keys: Buffer[] = [];
    for (const [i, entry] of raw.split(/[\s,]+/).entries()) {
      const base64 = entry.replace(/^whsec_/, '');
      const key = Buffer.from(base64, 'base64');
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || key.length < 16) {
        this.problems.push(`${name} entry ${i + 1} must be whsec_ followed by at least 16 base64-encoded bytes`);
        continue;
      }
      keys.push(key);
    }
    return keys;
  }

  /** DATA_KEYS: `<id>:<base64 of 32 bytes>`, comma-separated. Never echoed back. */
  dataKeys(name: string): DataKey[] {
    const { keys, problems } = parseDataKeys(name, this.env[name] ?? '');
    this.problems.push(...problems);
    return Object.freeze(keys) as DataKey[];
  }

  url(name: string): string | null {
    const raw = this.env[name]?.trim();
    if (!raw) return null;
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') return raw.replace(/\/+$/, '');
    } catch {
      /* reported below */
    }
    this.problems.push(`${name} must be an http(s) URL, got "${raw}"`);
    return null;
  }

  /**
   * DATABASE_URL names a MySQL database (mysql://…) or a SQLite file (sqlite:path);
   * SQLITE_PATH names a SQLite file on its own. With neither, a standalone process
   * uses the default SQLite file and a single service the default MySQL database.
   */
  database(name: string, pathName: string, standalone: boolean): DatabaseConfig {
    const raw = this.env[name]?.trim();
    const file = this.env[pathName]?.trim();
    const fallback = parseDatabaseUrl(DEFAULT_DATABASE_URL) as MysqlDatabaseConfig;
    if (raw && file) {
      this.problems.push(
        `${pathName} and ${name} are both set; set one (${name}=sqlite:<path> also names a SQLite file)`,
      );
      return fallback;
    }
    let source = name;
    let parsed: DatabaseConfig | string;
    if (raw) parsed = /^sqlite:/i.test(raw) ? parseSqliteUrl(raw) : parseDatabaseUrl(raw);
    else if (file) {
      source = pathName;
      parsed = sqliteFile(file);
    } else parsed = standalone ? sqliteFile(DEFAULT_SQLITE_PATH) : fallback;
    if (typeof parsed === 'string') {
      this.problems.push(`${source} ${parsed}`);
      return fallback;
    }
    if (parsed.client === 'better-sqlite3' && !standalone) {
      this.problems.push(
        `${source} selects SQLite (${parsed.filename}), which runs the api and the controller in one process: ` +
          'start them together with `npm start`, or set DATABASE_URL=mysql://… to run them as separate services',
      );
    }
    return parsed;
  }
}

/** A mysql:// URL; anything else is a problem, described by the string returned. */
export function parseDatabaseUrl(raw: string): MysqlDatabaseConfig | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be a URL like mysql://user:password@host:3306/database';
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    return `must use the mysql:// scheme (or sqlite: for a SQLite file), got "${url.protocol}"`;
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(database)) {
    return 'must name a database (letters, digits, _ or $) as its path';
  }
  const port = url.port === '' ? 3306 : Number(url.port);
  const masked = new URL(url.href);
  if (masked.password) masked.password = '***';
  return Object.freeze({
    client: 'mysql2' as const,
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port,
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database,
    display: masked.href,
  });
}

/**
 * `sqlite:./data/timers.sqlite` (relative to the working directory) or
 * `sqlite:///var/lib/timers/timers.sqlite` (absolute). The rest of the URL is the
 * path as written: no host, no query, no percent-decoding.
 */
export function parseSqliteUrl(raw: string): SqliteDatabaseConfig | string {
  const rest = raw.replace(/^sqlite:/i, '');
  if (rest.startsWith('//') && !rest.startsWith('///')) {
    return 'must be sqlite:<path> or sqlite:///<absolute path> (a SQLite URL has no host)';
  }
  return sqliteFile(rest.startsWith('///') ? rest.slice(2) : rest);
}

function sqliteFile(file: string): SqliteDatabaseConfig | string {
  if (file === '' || file === ':memory:' || file.includes('?') || file.endsWith('/')) {
    return 'must name a SQLite file, e.g. sqlite:./data/timers.sqlite (timers must outlive the process)';
  }
  const filename = path.resolve(file);
  return Object.freeze({ client: 'better-sqlite3' as const, filename, display: `sqlite:${filename}` });
}

function defaultControllerId(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * BODY_LIMIT_BYTES unless set: room for a payload of MAX_PAYLOAD_BYTES even when
 * JSON escaping doubles it (a `body` of quotes and backslashes), plus 16 KiB for
 * the headers and the other fields. 144 KiB with the defaults.
 */
export function defaultBodyLimit(maxPayloadBytes: number): number {
  return 2 * maxPayloadBytes + 16 * 1024;
}

export function loadConfig(env: Env = process.env, options: LoadOptions = {}): Config {
  const r = new Reader(env);
  const maxPayloadBytes = r.int('MAX_PAYLOAD_BYTES', 64 * 1024, 1, 1024 * 1024);
  const config: Config = {
    database: r.database('DATABASE_URL', 'SQLITE_PATH', options.standalone ?? false),
    port: r.int('PORT', 3000, 0, 65535),
    controllerPort: r.int('CONTROLLER_PORT', 3001, 0, 65535),
    host: r.string('HOST', '0.0.0.0'),
    logLevel: r.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    pollIntervalMs: r.int('POLL_INTERVAL_MS', 500, 10, 60_000),
    lookaheadMs: r.int('LOOKAHEAD_MS', 1000, 0, 600_000),
    webhookTimeoutMs: r.int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 600_000),
    maxAttempts: r.int('MAX_ATTEMPTS', 5, 1, 100),
    retryBaseMs: r.int('RETRY_BASE_MS', 1000, 1, 86_400_000),
    retryMaxMs: r.int('RETRY_MAX_MS', 300_000, 1, 86_400_000),
    leaseMs: r.int('LEASE_MS', 30_000, 1000, 3_600_000),
    maxDelaySeconds: r.int('MAX_DELAY_SECONDS', 365 * 24 * 3600, 1, 10 * 365 * 24 * 3600),
    claimBatchSize: r.int('CLAIM_BATCH_SIZE', 500, 1, 5000),
    maxInFlight: r.int('MAX_IN_FLIGHT', 256, 1, 10_000),
    maxHeld: r.int('MAX_HELD', 5000, 1, 1_000_000),
    createBatchSize: r.int('CREATE_BATCH_SIZE', 500, 1, 5000),
    apiWorkers: r.int('API_WORKERS', 1, 1, 64),
    controllerAdvertiseUrl: r.url('CONTROLLER_ADVERTISE_URL'),
    schedulePollIntervalMs: r.int('SCHEDULE_POLL_INTERVAL_MS', 1000, 10, 60_000),
    scheduleLookaheadMs: r.int('SCHEDULE_LOOKAHEAD_MS', 5000, 0, 3_600_000),
    scheduleBatchSize: r.int('SCHEDULE_BATCH_SIZE', 100, 1, 1000),
    webhookSecrets: r.secrets('WEBHOOK_SECRET'),
    dataKeys: r.dataKeys('DATA_KEYS'),
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    dbPoolSize: r.int('DB_POOL_SIZE', 10, 1, 500),
    dbConnectTimeoutMs: r.int('DB_CONNECT_TIMEOUT_MS', 1000, 100, 60_000),
    dbAcquireTimeoutMs: r.int('DB_ACQUIRE_TIMEOUT_MS', 1000, 100, 60_000),
    dbQueryTimeoutMs: r.int('DB_QUERY_TIMEOUT_MS', 5000, 100, 600_000),
    dbRetryBaseMs: r.int('DB_RETRY_BASE_MS', 200, 1, 60_000),
    dbRetryMaxMs: r.int('DB_RETRY_MAX_MS', 5000, 1, 600_000),
    clockSkewWarnMs: r.int('CLOCK_SKEW_WARN_MS', 1000, 0, 3_600_000),
    maxPayloadBytes,
    bodyLimitBytes: r.int('BODY_LIMIT_BYTES', defaultBodyLimit(maxPayloadBytes), 256, 4 * 1024 * 1024),
    maxBatchSize: r.int('MAX_BATCH_SIZE', 1000, 1, 10_000),
    batchBodyLimitBytes: r.int('BATCH_BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxCancelPerCall: r.int('MAX_CANCEL_PER_CALL', 1000, 1, 100_000),
    requestTimeoutMs: r.int('REQUEST_TIMEOUT_MS', 5000, 100, 600_000),
    controllerId: r.string('CONTROLLER_ID', defaultControllerId(), /^[\w.:-]{1,64}$/),
    retentionDays: r.int('RETENTION_DAYS', 7, 0, 3650),
    rollupRetentionDays: r.int('ROLLUP_RETENTION_DAYS', 7, 0, 3650),
    cleanupIntervalMs: r.int('CLEANUP_INTERVAL_MS', 60_000, 1000, 86_400_000),
    cleanupBatchSize: r.int('CLEANUP_BATCH_SIZE', 1000, 1, 10_000),
    nudgeMinIntervalMs: r.int('NUDGE_MIN_INTERVAL_MS', 50, 0, 10_000),
    headersTimeoutMs: r.int('HEADERS_TIMEOUT_MS', 10_000, 500, 600_000),
    deliveryLogPerSecond: r.int('DELIVERY_LOG_PER_SECOND', 100, 0, 100_000),
    internalToken: readInternalToken(r, options),
    giveBackTimeoutMs: r.int('GIVE_BACK_TIMEOUT_MS', 1000, 50, 60_000),
    breakerFailures: r.int('BREAKER_FAILURES', 5, 1, 10_000),
    breakerOpenMs: r.int('BREAKER_OPEN_MS', 5000, 100, 3_600_000),
    flowDefaults: parseFlowDefaults(env.FLOW_DEFAULTS, r.problems),
    tracing: readTracing(env, r.problems),
    ...readSecurity(r, env),
  };
  if (config.retryMaxMs < config.retryBaseMs) {
    r.problems.push(
      `RETRY_MAX_MS (${config.retryMaxMs}) must not be smaller than RETRY_BASE_MS (${config.retryBaseMs})`,
    );
  }
  if (config.dbRetryMaxMs < config.dbRetryBaseMs) {
    r.problems.push(
      `DB_RETRY_MAX_MS (${config.dbRetryMaxMs}) must not be smaller than DB_RETRY_BASE_MS (${config.dbRetryBaseMs})`,
    );
  }
  // A request that may still be running when its lease ends would let a second
  // controller send the same timer while the first is still waiting for an answer.
  if (config.webhookTimeoutMs + 1000 > config.leaseMs) {
    r.problems.push(
      `LEASE_MS (${config.leaseMs}) must exceed WEBHOOK_TIMEOUT_MS (${config.webhookTimeoutMs}) by at least 1000`,
    );
  }
  // Every timer must be claimed before it is due: the claim that comes one poll
  // later must still reach it.
  if (config.lookaheadMs < config.pollIntervalMs) {
    r.problems.push(
      `LOOKAHEAD_MS (${config.lookaheadMs}) must be at least POLL_INTERVAL_MS (${config.pollIntervalMs})`,
    );
  }
  // An occurrence must be created before it is due: the pass that comes one
  // interval later must still be in time for it.
  if (config.scheduleLookaheadMs < config.schedulePollIntervalMs) {
    r.problems.push(
      `SCHEDULE_LOOKAHEAD_MS (${config.scheduleLookaheadMs}) must be at least SCHEDULE_POLL_INTERVAL_MS (${config.schedulePollIntervalMs})`,
    );
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return Object.freeze(config);
}

/** INTERNAL_TOKEN: checked here, never echoed back; required by a separate api or controller process. */
function readInternalToken(r: Reader, options: LoadOptions): string | null {
  const raw = r.string('INTERNAL_TOKEN', '').trim();
  if (raw !== '' && !INTERNAL_TOKEN_PATTERN.test(raw)) {
    r.problems.push('INTERNAL_TOKEN must be 16 to 256 printable characters without spaces');
    return null;
  }
  if (raw === '' && options.separateProcess) {
    r.problems.push(
      'INTERNAL_TOKEN is required when the api and the controllers run as separate processes: ' +
        'they authenticate their calls to each other with it (e.g. openssl rand -hex 32); `npm start` needs none',
    );
  }
  return raw || null;
}

/** Who may call the api, how much, and where webhooks may go (README "Security"). */
export interface SecurityConfig {
  /** SHA-256 digests (hex) of the keys in API_KEYS; empty: the api is open. */
  readonly apiKeyDigests: readonly string[];
  /**
   * SHA-256 digests (hex) of the keys in ADMIN_API_KEYS: admin keys of the default
   * tenant, so that the first keys can be made through the admin endpoints.
   */
  readonly adminKeyDigests: readonly string[];
  /** With API keys: whether /metrics answers without one. */
  readonly metricsPublic: boolean;
  /** With API keys: whether /docs and /openapi.json answer without one. */
  readonly docsPublic: boolean;
  /** Proxies in front of the api whose X-Forwarded-For is believed (for the per-address rate limit). */
  readonly trustProxyHops: number;
  readonly webhookTargets: TargetPolicy;
  /** Refuse a timer whose host name does not resolve when it is created. */
  readonly webhookRequireDns: boolean;
  /** Requests per second per API key (per client address without keys); 0: no limit. */
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  /** Timers not yet fired, failed or canceled, per tenant (unless the tenant has its own max_pending); 0: no cap. */
  readonly maxPendingPerKey: number;
  /** Timers a tenant may create per second across the fleet (unless it has its own); 0: no cap. */
  readonly createsPerSecond: number;
  /** Schedules per API key (paused ones included); 0: no cap. */
  readonly maxSchedulesPerKey: number;
  /** The shortest time a schedule may leave between two occurrences. */
  readonly minScheduleIntervalSeconds: number;
}

const BOOLEANS = ['true', 'false'];

function readSecurity(r: Reader, env: Env): SecurityConfig {
  const keys = parseApiKeys('API_KEYS', r.string('API_KEYS', ''));
  r.problems.push(...keys.problems);
  const adminKeys = parseApiKeys('ADMIN_API_KEYS', r.string('ADMIN_API_KEYS', ''));
  r.problems.push(...adminKeys.problems);
  const metricsPublic = r.oneOf('METRICS_PUBLIC', 'true', BOOLEANS) === 'true';
  const docsPublic = r.oneOf('DOCS_PUBLIC', 'true', BOOLEANS) === 'true';
  const anyKeys = keys.digests.length + adminKeys.digests.length > 0;
  if (!anyKeys && keys.problems.length + adminKeys.problems.length === 0) {
    for (const name of ['METRICS_PUBLIC', 'DOCS_PUBLIC']) {
      if (env[name]?.trim() !== 'false') continue;
      r.problems.push(`${name}=false needs API_KEYS or ADMIN_API_KEYS: without keys there is nothing to ask for`);
    }
  }
  let ports = parsePortList(r.string('WEBHOOK_ALLOWED_PORTS', ''));
  if (typeof ports === 'string') {
    r.problems.push(`WEBHOOK_ALLOWED_PORTS ${ports}`);
    ports = [];
  }
  const rateLimitPerSecond = r.int('RATE_LIMIT_PER_SECOND', 0, 0, 1_000_000);
  const burst = r.int('RATE_LIMIT_BURST', 0, 0, 1_000_000);
  if (burst > 0 && rateLimitPerSecond === 0) {
    r.problems.push('RATE_LIMIT_BURST needs RATE_LIMIT_PER_SECOND: without a rate there is no limit to burst over');
  }
  return {
    apiKeyDigests: Object.freeze(keys.digests),
    adminKeyDigests: Object.freeze(adminKeys.digests),
    metricsPublic,
    docsPublic,
    trustProxyHops: r.int('TRUST_PROXY_HOPS', 0, 0, 10),
    webhookTargets: Object.freeze({
      mode: r.oneOf('WEBHOOK_TARGETS', 'private', [...TARGET_MODES]) as TargetMode,
      allowedPorts: Object.freeze(ports),
    }),
    webhookRequireDns: r.oneOf('WEBHOOK_REQUIRE_DNS', 'false', BOOLEANS) === 'true',
    rateLimitPerSecond,
    rateLimitBurst: burst || rateLimitPerSecond,
    maxPendingPerKey: r.int('MAX_PENDING_PER_KEY', 0, 0, 10_000_000),
    createsPerSecond: r.int('CREATES_PER_SECOND', 0, 0, 10_000_000),
    maxSchedulesPerKey: r.int('MAX_SCHEDULES_PER_KEY', 0, 0, 1_000_000),
    minScheduleIntervalSeconds: r.int('MIN_SCHEDULE_INTERVAL_SECONDS', 1, 1, 31 * 24 * 3600),
  };
}
