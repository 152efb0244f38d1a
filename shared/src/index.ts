export * from './config';
export * from './logger';
export * from './clock';
export * from './backoff';
export { createDb, ensureDatabase } from './db/connection';
export type { Db } from './db/connection';
export { isDeadlock, isDuplicateKeyError, isTransientDbError } from './db/errors';
export { migrateToLatest, rollbackAll } from './db/migrate';
export { measureClockSkew } from './db/skew';
export { prepareDatabase } from './db/startup';
export { select, write } from './db/query';
export { TimerStore } from './timers/store';
export type {
  AttemptQuery,
  IdempotencyKey,
  ListQuery,
  Materialized,
  NewTimer,
  ScheduleListQuery,
  StoreOptions,
} from './timers/store';
export * from './schedules/types';
export { CronRule, isCronProblem, DEFAULT_TIMEZONE, MAX_CRON_LENGTH } from './schedules/cron';
export type { CronProblem } from './schedules/cron';
export { planOccurrences } from './schedules/plan';
export type { OccurrencePlan } from './schedules/plan';
export { Coalescer } from './coalescer';
export { DbClock } from './db/dbClock';
export * from './timers/types';
export { healthRoutes, RETRY_AFTER_SECONDS } from './http/health';
export { securityHeaders } from './http/securityHeaders';
export { createHttpServer } from './http/server';
export * from './runtime';
export { Metrics } from './metrics';
export { dialectOf } from './db/dialect';
export type { Dialect, DbTime } from './db/dialect';
export { DatabaseInUseError, SqliteDriverError } from './db/sqlite';
export * from './net/addressPolicy';
export * from './net/targetLookup';
export * from './net/webhookUrl';
export * from './auth/apiKeys';
