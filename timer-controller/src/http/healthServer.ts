/**
 * The controller's own small HTTP server on CONTROLLER_PORT: /healthz, /readyz,
 * /metrics, and POST /nudge, which the api calls when it has just stored a timer
 * due before this controller's next poll. A nudge only asks for an early poll;
 * the claimer coalesces floods of them (claim/nudges.ts).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createHttpServer, healthRoutes, securityHeaders } from '@timer/shared';
import type { Metrics, Store } from '@timer/shared';

export interface HealthServerOptions {
  store: Pick<Store, 'ping'>;
  metrics: Metrics;
  port: number;
  host: string;
  /** HEADERS_TIMEOUT_MS: the port is open to the controller's network. */
  headersTimeoutMs: number;
  onNudge: () => void;
}

export async function startHealthServer(
  options: HealthServerOptions,
): Promise<{ port: number; close: () => Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.use(healthRoutes(options.store, options.metrics));
  app.post('/nudge', (_req, res) => {
    options.onNudge();
    res.status(202).end();
  });
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'route_not_found', message: 'No such route.' } });
  });
  const server = createHttpServer(app, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
