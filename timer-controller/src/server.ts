/**
 * Starts a controller, its occurrence maker, its health server, its registration
 * and the retention cleanup; returns how to stop them all.
 */
import type { ServiceContext } from '@timer/shared';
import { Cleanup } from './cleanup';
import { Controller } from './controller';
import { startHealthServer } from './healthServer';
import { OccurrenceMaker } from './occurrences';
import { advertisedEndpoint, keepRegistered } from './registration';

export async function startController(ctx: ServiceContext): Promise<() => Promise<void>> {
  const { config, logger } = ctx;
  const controller = new Controller(ctx);
  const occurrences = new OccurrenceMaker({
    ...ctx,
    // An occurrence due before the claim loop's next poll (a late one, after downtime) is claimed now.
    onCreated: (earliestMs) => {
      if (earliestMs - ctx.dbClock.now() < config.pollIntervalMs) controller.nudge();
    },
  });
  const health = await startHealthServer({
    store: ctx.store,
    metrics: ctx.metrics,
    port: config.controllerPort,
    host: config.host,
    headersTimeoutMs: config.headersTimeoutMs,
    // The api nudges for a timer due soon, and for a schedule whose next occurrence is near.
    onNudge: () => {
      controller.nudge();
      occurrences.nudge();
    },
  });
  const endpoint = advertisedEndpoint(config.controllerAdvertiseUrl, config.host, health.port);
  logger.info('Controller health server listening', { port: health.port, endpoint });
  controller.start();
  const cleanup = new Cleanup({
    store: ctx.store,
    logger,
    clock: ctx.clock,
    controllerId: controller.id,
    retentionDays: config.retentionDays,
    intervalMs: config.cleanupIntervalMs,
    batchSize: config.cleanupBatchSize,
  });
  cleanup.start();
  occurrences.start();
  const unregister = keepRegistered(ctx.store, { id: controller.id, endpoint }, logger);
  return async () => {
    await unregister();
    await cleanup.stop();
    await occurrences.stop();
    await controller.stop();
    await health.close();
  };
}
