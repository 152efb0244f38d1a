/**
 * Builds the Express app from its parts; nothing here reads the environment or
 * opens connections, so tests build the same app around their own database.
 */
import express, { Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import {
  Clock,
  Config,
  DbClock,
  healthRoutes,
  Logger,
  LookupAll,
  Metrics,
  SecurityConfig,
  securityHeaders,
  systemClock,
  Store,
} from '@timer/shared';
import { ApiKeys } from './domain/client';
import { DashboardService } from './domain/dashboard';
import { FlowService } from './domain/flows';
import { ControllerNudger, Nudger } from './domain/nudger';
import { PendingQuota, StorePendingQuota } from './domain/pendingQuota';
import { ScheduleService } from './domain/schedules';
import { TimerService } from './domain/timers';
import { TokenBuckets } from './domain/tokenBuckets';
import { WebhookTargets } from './domain/webhookTargets';
import { authenticate } from './http/auth';
import { answerWithin } from './http/deadline';
import { errorHandler, methodNotAllowed, routeNotFound } from './http/errorHandler';
import { rateLimit } from './http/rateLimit';
import { countRequests } from './http/requestMetrics';
import { buildOpenApiDocument } from './openapi';
import { dashboardRoutes, isUiAsset } from './routes/dashboard';
import { flowRoutes } from './routes/flows';
import { scheduleRoutes } from './routes/schedules';
import { timerRoutes } from './routes/timers';
import { API_VERSION } from './version';

/** Time a poll takes to claim: a timer due within the poll interval plus this is announced. */
const NUDGE_MARGIN_MS = 200;

export interface AppDeps {
  config: Pick<
    Config,
    | 'maxDelaySeconds'
    | 'bodyLimitBytes'
    | 'pollIntervalMs'
    | 'requestTimeoutMs'
    | 'scheduleLookaheadMs'
    | keyof SecurityConfig
  >;
  store: Store;
  logger: Logger;
  metrics?: Metrics;
  dbClock?: DbClock;
  nudger?: Nudger;
  /** The host clock: paces the rate limit. */
  clock?: Clock;
  /** Resolves webhook hosts for the WEBHOOK_TARGETS check at creation; dns.lookup by default. */
  lookup?: LookupAll;
  /**
   * Counts live timers per key for MAX_PENDING_PER_KEY. By default, when the cap is set,
   * the store counts them (exact across replicas: timers record their owner).
   */
  pendingQuota?: PendingQuota;
}

const isHealth = (path: string) => path === '/healthz' || path === '/readyz';
/** The document, Swagger UI, and `/`, which leads to them. */
const isDocs = (path: string) =>
  path === '/' || path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/');
/** Probes, scrapes, docs and the dashboard's static files: never rate-limited. */
const isOperational = (path: string) => isHealth(path) || path === '/metrics' || isDocs(path) || isUiAsset(path);

export function createApp({
  config,
  store,
  logger,
  metrics = new Metrics(),
  dbClock = new DbClock(systemClock),
  nudger = new ControllerNudger(store.fleet, logger),
  clock = systemClock,
  lookup,
  pendingQuota,
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // req.ip (the rate limit's key without API keys) is the client's address only if proxies are counted.
  app.set('trust proxy', config.trustProxyHops > 0 ? config.trustProxyHops : false);

  const keys = config.apiKeyDigests.length > 0 ? new ApiKeys(config.apiKeyDigests) : null;
  // The dashboard's files hold no data; the data they fetch needs a key (routes/dashboard.ts).
  const isPublic = (path: string) =>
    isHealth(path) ||
    isUiAsset(path) ||
    (config.metricsPublic && path === '/metrics') ||
    (config.docsPublic && isDocs(path));
  const quota =
    pendingQuota ??
    (config.maxPendingPerKey > 0 ? new StorePendingQuota(store.timers, config.maxPendingPerKey) : undefined);
  const document = buildOpenApiDocument(API_VERSION, {
    apiKeys: keys !== null,
    rateLimited: config.rateLimitPerSecond > 0,
    pendingCap: quota !== undefined,
    scheduleCap: config.maxSchedulesPerKey > 0,
  });
  const targets = new WebhookTargets({ policy: config.webhookTargets, requireDns: config.webhookRequireDns, lookup });
  const service = new TimerService({
    store,
    logger,
    metrics,
    dbClock,
    nudger,
    targets,
    quota,
    maxDelaySeconds: config.maxDelaySeconds,
    nudgeWithinMs: config.pollIntervalMs + NUDGE_MARGIN_MS,
  });
  const schedules = new ScheduleService({
    store,
    logger,
    dbClock,
    nudger,
    targets,
    nudgeWithinMs: config.scheduleLookaheadMs + NUDGE_MARGIN_MS,
    limits: config,
  });

  app.use(securityHeaders(isDocs));
  app.use(countRequests(metrics));
  app.use(answerWithin(config.requestTimeoutMs, isOperational, logger));
  app.use(authenticate(keys, isPublic));
  if (config.rateLimitPerSecond > 0) {
    app.use(rateLimit(new TokenBuckets(config.rateLimitPerSecond, config.rateLimitBurst, clock), isOperational));
  }
  app.use(healthRoutes(store, metrics));
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'Timer service API' }));
  // Relative, so that it holds behind a proxy that serves the api under a path prefix.
  app.get('/', (_req, res) => res.redirect(302, 'docs/'));
  app.use(timerRoutes(service, config.bodyLimitBytes));
  app.use(scheduleRoutes(schedules, config.bodyLimitBytes));
  app.use(flowRoutes(new FlowService(store), config.bodyLimitBytes));
  app.use(dashboardRoutes(new DashboardService(store, dbClock)));
  app.all(['/', '/openapi.json'], methodNotAllowed(['GET']));
  app.use(routeNotFound);
  app.use(errorHandler(logger, metrics));
  return app;
}
