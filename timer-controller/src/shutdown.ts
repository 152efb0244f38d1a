/**
 * A controller's shutdown (SIGTERM), in the order the guarantee needs: stop
 * starting requests and stop claiming (a claim under way still hands its timers
 * to the wheel); hand back every timer not yet sent; give requests in flight up
 * to SHUTDOWN_GRACE_MS to finish, then abort them (each hands its timer back);
 * wait for every outcome to be written; close connections.
 */
import type { Logger } from '@timer/shared';
import type { Claimer } from './claim/claimer';
import type { FlowClaimer } from './claim/flowClaimer';
import type { Delivery } from './delivery/delivery';
import type { FencedWrites } from './fenced/fencedWrites';
import type { GiveBacks } from './giveBack';
import type { Wheel } from './wheel/wheel';

export interface Stages {
  claimer: Claimer;
  flowClaimer: FlowClaimer | null;
  wheel: Wheel;
  delivery: Delivery;
  writes: FencedWrites;
  giveBacks: GiveBacks;
}

export async function shutDown(
  { claimer, flowClaimer, wheel, delivery, writes, giveBacks }: Stages,
  { controllerId, graceMs, logger }: { controllerId: string; graceMs: number; logger: Logger },
): Promise<void> {
  delivery.stopStarting();
  giveBacks.stop();
  await claimer.stop();
  await flowClaimer?.stop();
  const unsent = [...wheel.drain(), ...delivery.takeUnstarted()];
  void writes.releaseUnsent(unsent, 'shutdown');
  logger.info('Controller stopped claiming', {
    controllerId,
    inFlight: delivery.inFlightCount,
    released: unsent.length,
  });
  await delivery.finish(graceMs);
  const recorded = await writes.drain(graceMs);
  await delivery.close();
  logger.info('Controller stopped', { controllerId, outcomesRecorded: recorded });
}
