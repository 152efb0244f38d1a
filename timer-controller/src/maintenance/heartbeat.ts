/**
 * Keeps this controller's row in the controllers table fresh, so the api can find
 * it to nudge and the dashboard can show its load (in flight, held, as of the
 * beat); removes it on stop. A missed heartbeat only means fewer nudges:
 * polling alone still fires every timer.
 */
import os from 'node:os';
import { errorFields } from '@timer/shared';
import type { Clock, Fleet, Logger, TimerHandle } from '@timer/shared';

export const HEARTBEAT_MS = 5000;

/** Where the api can reach this controller: the configured URL, or this host's address. */
export function advertisedEndpoint(configured: string | null, host: string, port: number): string {
  if (configured) return configured;
  if (host !== '0.0.0.0' && host !== '::') return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  return `http://${external?.address ?? '127.0.0.1'}:${port}`;
}

/** Beats now and every HEARTBEAT_MS; returns how to stop and leave the table. */
export function keepRegistered(
  fleet: Pick<Fleet, 'register' | 'remove'>,
  controller: { id: string; endpoint: string },
  load: () => { inFlight: number; held: number },
  logger: Logger,
  clock: Clock,
): () => Promise<void> {
  let timer: TimerHandle | null = null;
  let stopped = false;
  const beat = async () => {
    await fleet
      .register({ ...controller, ...load() })
      .catch((err) =>
        logger.debug('Controller heartbeat failed', { controllerId: controller.id, ...errorFields(err) }),
      );
    if (!stopped) timer = clock.setTimer(HEARTBEAT_MS, () => void beat(), { background: true });
  };
  void beat();
  return async () => {
    stopped = true;
    clock.clearTimer(timer);
    await fleet.remove(controller.id).catch(() => undefined);
  };
}
