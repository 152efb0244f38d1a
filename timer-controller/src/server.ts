/** Starts a controller and its health server; returns how to stop both. */
import type { ServiceContext } from '@timer/shared';
import { Controller } from './controller';
import { startHealthServer } from './healthServer';

export async function startController(ctx: ServiceContext): Promise<() => Promise<void>> {
  const { config, logger } = ctx;
  const health = await startHealthServer(ctx.store, ctx.metrics, config.controllerPort, config.host);
  logger.info('Controller health server listening', { port: health.port });
  const controller = new Controller(ctx);
  controller.start();
  return async () => {
    await controller.stop();
    await health.close();
  };
}
