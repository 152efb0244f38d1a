/**
 * timer-controller as a service: the controller (claim → wheel → delivery), the
 * occurrence loop for schedules, the health server (and where nudges arrive),
 * the heartbeat in the controllers table (with its load), the per-minute
 * delivery rollups, and the retention cleanup. Returns how to stop them all, in
 * order.
 */
import type { ServiceContext } from '@timer/shared';
import { applyFlowDefaults } from './claim/flowDefaults';
import { Controller } from './controller';
import { TenantSigningKeys } from './delivery/signingKeys';
import { startHealthServer } from './http/healthServer';
import { AdvertisedCheck } from './maintenance/advertised';
import { Cleanup } from './maintenance/cleanup';
import { advertisedEndpoint, keepRegistered } from './maintenance/heartbeat';
import { MinuteRollups } from './maintenance/minuteRollups';
import { OccurrenceLoop } from './schedules/occurrenceLoop';

export async function startController(ctx: ServiceContext): Promise<() => Promise<void>> {
  const { config, logger, store, clock, dbClock } = ctx;
  await applyFlowDefaults(store.flows, config, logger);
  const signingKeys = new TenantSigningKeys({ tenants: store.tenants, fallback: config.webhookSecrets, clock, logger });
  const rollups =
    config.rollupRetentionDays > 0
      ? new MinuteRollups({ rollups: store.rollups, dbClock, logger, controllerId: config.controllerId })
      : null;
  const controller = new Controller({ ...ctx, signingKeys, tally: rollups ?? undefined });
  const occurrences = new OccurrenceLoop({
    ...ctx,
    // An occurrence due before the claimer's next poll (a late one, after downtime) is claimed now.
    onCreated: (earliestMs) => {
      if (earliestMs - dbClock.now() < config.pollIntervalMs) controller.nudge();
    },
  });
  // The api nudges for a timer due soon, and for a schedule whose next occurrence is near.
  const nudge = () => {
    controller.nudge();
    occurrences.nudge();
  };
  let advertised: AdvertisedCheck | null = null;
  const health = await startHealthServer({
    store,
    metrics: ctx.metrics,
    port: config.controllerPort,
    host: config.host,
    headersTimeoutMs: config.headersTimeoutMs,
    controllerId: controller.id,
    internalToken: config.internalToken,
    onNudge: nudge,
    giveBack: (claim) => controller.giveBack(claim),
    notReady: () => advertised?.problem() ?? null,
  });
  const endpoint = advertisedEndpoint(config.controllerAdvertiseUrl, config.host, health.port);
  logger.info('Controller health server listening', { port: health.port, endpoint });
  advertised = new AdvertisedCheck({ endpoint, controllerId: controller.id, clock, logger, metrics: ctx.metrics });
  await advertised.start();
  // Under `npm start` the api in this process asks this controller directly.
  const unregisterLocal = ctx.local?.register(controller.id, {
    nudge,
    giveBack: (claim) => controller.giveBack(claim),
  });
  controller.start();
  rollups?.start();
  const cleanup = new Cleanup({
    fleet: store.fleet,
    logger,
    clock,
    controllerId: controller.id,
    retentionDays: config.retentionDays,
    rollupRetentionDays: config.rollupRetentionDays,
    intervalMs: config.cleanupIntervalMs,
    batchSize: config.cleanupBatchSize,
  });
  cleanup.start();
  occurrences.start();
  const load = () => ({ inFlight: controller.inFlightCount, held: controller.heldCount });
  const unregister = keepRegistered(store.fleet, { id: controller.id, endpoint }, load, logger, clock);
  return async () => {
    advertised?.stop();
    await unregister();
    await cleanup.stop();
    await occurrences.stop();
    await controller.stop();
    // After every outcome is recorded: the last minute's counts are complete.
    await rollups?.stop();
    unregisterLocal?.();
    await health.close();
  };
}
