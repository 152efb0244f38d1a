/**
 * Builds the Express app from its parts; nothing here reads the environment or
 * opens connections, so tests build the same app around their own database.
 */
import express, { Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import { Config, DbClock, healthRoutes, Logger, Metrics, systemClock, TimerStore } from '@timer/shared';
import { ControllerNudger, Nudger } from './domain/nudger';
import { TimerService } from './domain/timers';
import { errorHandler, methodNotAllowed, routeNotFound } from './http/errorHandler';
import { countRequests } from './http/requestMetrics';
import { buildOpenApiDocument } from './openapi';
import { timerRoutes } from './routes/timers';
import { readFileSync } from 'node:fs';
import path from 'node:path';

// One level above both src/ (tests) and dist/ (production).
const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
  version: string;
};

/** Time a poll takes to claim: a timer due within the poll interval plus this is announced. */
const NUDGE_MARGIN_MS = 200;

export interface AppDeps {
  config: Pick<Config, 'maxDelaySeconds' | 'bodyLimitBytes' | 'pollIntervalMs'>;
  store: TimerStore;
  logger: Logger;
  metrics?: Metrics;
  dbClock?: DbClock;
  nudger?: Nudger;
}

export function createApp({
  config,
  store,
  logger,
  metrics = new Metrics(),
  dbClock = new DbClock(systemClock),
  nudger = new ControllerNudger(store, logger),
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const document = buildOpenApiDocument(version);
  const service = new TimerService({
    store,
    logger,
    metrics,
    dbClock,
    nudger,
    maxDelaySeconds: config.maxDelaySeconds,
    nudgeWithinMs: config.pollIntervalMs + NUDGE_MARGIN_MS,
  });

  app.use(countRequests(metrics));
  app.use(healthRoutes(store, metrics));
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'Timer service API' }));
  app.use(timerRoutes(service, config.bodyLimitBytes));
  app.all('/openapi.json', methodNotAllowed(['GET']));
  app.use(routeNotFound);
  app.use(errorHandler(logger, metrics));
  return app;
}
