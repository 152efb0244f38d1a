/** Starts the HTTP server on PORT and returns how to stop it gracefully. */
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '@timer/shared';
import type { ServiceContext } from '@timer/shared';
import { createApp } from './app';

export async function startApi(ctx: ServiceContext): Promise<() => Promise<void>> {
  const { config, logger } = ctx;
  const app = createApp(ctx);
  // Slow or idle clients must not pin sockets: the limits are in createHttpServer.
  const server = createHttpServer(app, config);
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
