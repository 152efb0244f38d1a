/** Starts the HTTP server on PORT and returns how to stop it gracefully. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceContext } from '@timer/shared';
import { createApp } from './app';

export async function startApi(ctx: ServiceContext): Promise<() => Promise<void>> {
  const { config, logger } = ctx;
  const app = createApp(ctx);
  const server = http.createServer(app);
  // Slow or idle clients must not pin sockets forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  // Longer than the idle timeout of common load balancers and client pools (60 s),
  // so they close idle connections first: a request sent on a connection the api
  // is closing at that moment is reset, and the client sees an error it did not cause.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  logger.info('API listening', { port, docs: `http://localhost:${port}/docs` });
  return async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    logger.info('API stopped');
  };
}
