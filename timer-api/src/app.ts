/**
 * Builds the Express app from its parts; nothing here reads the environment or
 * opens connections, so tests build the same app around their own database.
 */
import { randomBytes } from 'node:crypto';
import express, { Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import {
  Clock,
  Config,
  DbClock,
  healthRoutes,
  LocalControllers,
  Logger,
  LookupAll,
  Metrics,
  noTracing,
  SecurityConfig,
  securityHeaders,
  systemClock,
  Store,
  Tracing,
} from '@timer/shared';
import { AdminService } from './domain/admin';
import { TimerChanges } from './domain/changes';
import { DashboardService } from './domain/dashboard';
import { DeliveryCharts } from './domain/deliveryCharts';
import { FleetViews } from './domain/fleetView';
import { ControllerHolders, Holders } from './domain/holders';
import { FlowService } from './domain/flows';
import { KeyRing } from './domain/keyRing';
import { ControllerNudger, Nudger } from './domain/nudger';
import { CreateRate } from './domain/createRate';
import { PendingQuota, TenantQuota } from './domain/pendingQuota';
import { TenantSettings } from './domain/tenantSettings';
import { ScheduleService } from './domain/schedules';
import { TimerService } from './domain/timers';
import { TokenBuckets } from './domain/tokenBuckets';
import { WebhookTargets } from './domain/webhookTargets';
import { authenticate } from './http/auth';
import { answerWithin } from './http/deadline';
import { errorHandler, methodNotAllowed, routeNotFound } from './http/errorHandler';
import { rateLimit } from './http/rateLimit';
import { countRequests } from './http/requestMetrics';
import { traceRequests } from './http/traceRequests';
import { buildOpenApiDocument } from './openapi';
import { adminRoutes } from './routes/admin';
import { dashboardRoutes, isUiAsset } from './routes/dashboard';
import { dashboardDataRoutes } from './routes/dashboardData';
import { flowRoutes } from './routes/flows';
import { scheduleRoutes } from './routes/schedules';
import { timerRoutes } from './routes/timers';
import { bulkRoutes } from './routes/bulk';
import { BulkChanges } from './domain/bulkChanges';
import { API_VERSION } from './version';

/** Time a poll takes to claim: a timer due within the poll interval plus this is announced. */
const NUDGE_MARGIN_MS = 200;

export interface AppDeps {
  config: Pick<
    Config,
    | 'maxDelaySeconds'
    | 'maxPayloadBytes'
    | 'bodyLimitBytes'
    | 'batchBodyLimitBytes'
    | 'maxBatchSize'
    | 'maxCancelPerCall'
    | 'pollIntervalMs'
    | 'requestTimeoutMs'
    | 'scheduleLookaheadMs'
    | 'leaseMs'
    | 'internalToken'
    | 'giveBackTimeoutMs'
    | keyof SecurityConfig
  >;
  store: Store;
  logger: Logger;
  metrics?: Metrics;
  dbClock?: DbClock;
  nudger?: Nudger;
  /** Asks a controller for a timer it holds; over HTTP (or in-process for `local`) by default. */
  holders?: Holders;
  /** Controllers in this process (`npm start`): nudged and asked in-process. */
  local?: LocalControllers;
  /** The host clock: paces the rate limit. */
  clock?: Clock;
  /** Resolves webhook hosts for the WEBHOOK_TARGETS check at creation; dns.lookup by default. */
  lookup?: LookupAll;
  /**
   * Counts live timers per key for MAX_PENDING_PER_KEY. By default, when the cap is set,
   * the store counts them (exact across replicas: timers record their owner).
   */
  pendingQuota?: PendingQuota;
  /** The keys the api accepts; by default API_KEYS, ADMIN_API_KEYS and the api_keys table. */
  keyRing?: KeyRing;
  /** OpenTelemetry when on (README "Tracing"); off by default. */
  tracing?: Tracing;
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
  local,
  nudger = new ControllerNudger(store.fleet, logger, config.internalToken, local),
  holders,
  clock = systemClock,
  lookup,
  pendingQuota,
  keyRing,
  tracing = noTracing,
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // req.ip (the rate limit's key without API keys) is the client's address only if proxies are counted.
  app.set('trust proxy', config.trustProxyHops > 0 ? config.trustProxyHops : false);

  const ring =
    keyRing ??
    new KeyRing({
      writeKeyDigests: config.apiKeyDigests,
      adminKeyDigests: config.adminKeyDigests,
      tenants: store.tenants,
      clock,
      logger,
    });
  // The dashboard's files hold no data; the data they fetch needs a key (routes/dashboard.ts).
  const isPublic = (path: string) =>
    isHealth(path) ||
    isUiAsset(path) ||
    (config.metricsPublic && path === '/metrics') ||
    (config.docsPublic && isDocs(path));
  const settings = new TenantSettings({
    tenants: store.tenants,
    defaults: { maxPending: config.maxPendingPerKey, createsPerSecond: config.createsPerSecond },
    clock,
    logger,
  });
  const rate = new CreateRate({
    tenants: store.tenants,
    apiId: `api-${process.pid}-${randomBytes(6).toString('hex')}`,
    dbClock,
    clock,
    logger,
  });
  const quota = pendingQuota ?? new TenantQuota({ counter: store.timers, settings, rate });
  const document = buildOpenApiDocument(API_VERSION, {
    apiKeys: true,
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
    maxPayloadBytes: config.maxPayloadBytes,
    nudgeWithinMs: config.pollIntervalMs + NUDGE_MARGIN_MS,
    limits: config,
    tracing,
  });
  const changes = new TimerChanges({
    store,
    holders:
      holders ??
      new ControllerHolders({
        fleet: store.fleet,
        local,
        internalToken: config.internalToken,
        timeoutMs: config.giveBackTimeoutMs,
        metrics,
        logger,
      }),
    logger,
    metrics,
    dbClock,
    nudger,
    targets,
    quota,
    maxDelaySeconds: config.maxDelaySeconds,
    maxPayloadBytes: config.maxPayloadBytes,
    nudgeWithinMs: config.pollIntervalMs + NUDGE_MARGIN_MS,
    tracing,
    leaseMs: config.leaseMs,
  });
  const bulk = new BulkChanges({ store, changes, logger, metrics, quota, maxCancelPerCall: config.maxCancelPerCall });
  const schedules = new ScheduleService({
    store,
    logger,
    dbClock,
    nudger,
    targets,
    nudgeWithinMs: config.scheduleLookaheadMs + NUDGE_MARGIN_MS,
    limits: config,
    tracing,
    settings,
  });

  // First, so the request's span covers everything the api does with it.
  if (tracing.enabled) app.use(traceRequests(tracing));
  app.use(securityHeaders(isDocs));
  app.use(countRequests(metrics));
  app.use(answerWithin(config.requestTimeoutMs, isOperational, logger));
  app.use(authenticate(ring, isPublic));
  if (config.rateLimitPerSecond > 0) {
    app.use(rateLimit(new TokenBuckets(config.rateLimitPerSecond, config.rateLimitBurst, clock), isOperational));
  }
  // The timers' routes first: a create then walks no other router (bulk's /timers/retry and
  // /timers/cancel before /timers/:id, which would answer their POST 405).
  app.use(bulkRoutes(bulk, config.bodyLimitBytes));
  app.use(timerRoutes(service, changes, bulk, config));
  app.use(healthRoutes(store, metrics));
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'Timer service API' }));
  // Relative, so that it holds behind a proxy that serves the api under a path prefix.
  app.get('/', (_req, res) => res.redirect(302, 'docs/'));
  app.use(scheduleRoutes(schedules, config.bodyLimitBytes));
  app.use(flowRoutes(new FlowService(store), config.bodyLimitBytes));
  app.use(dashboardRoutes(new DashboardService(store, dbClock)));
  app.use(
    dashboardDataRoutes(new DeliveryCharts(store.rollups, dbClock), new FleetViews(store.fleet, store.flows, dbClock)),
  );
  app.use(adminRoutes(new AdminService(store, logger, ring), config.bodyLimitBytes));
  app.all(['/', '/openapi.json'], methodNotAllowed(['GET']));
  app.use(routeNotFound);
  app.use(errorHandler(logger, metrics));
  return app;
}
