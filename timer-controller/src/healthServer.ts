/** The controller's own small HTTP server on CONTROLLER_PORT: /healthz, /readyz and /metrics. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { healthRoutes, Metrics, TimerStore } from '@timer/shared';

export async function startHealthServer(
  store: TimerStore,
  metrics: Metrics,
  port: number,
  host: string,
): Promise<{ port: number; close: () => Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(store, metrics));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'route_not_found', message: 'No such route.' } });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
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
