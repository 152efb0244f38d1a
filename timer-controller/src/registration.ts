/**
 * Keeps this controller's row in the controllers table fresh, so the api can find
 * it to nudge; removes it on stop. A missed heartbeat only means fewer nudges:
 * polling alone still fires every timer.
 */
import os from 'node:os';
import { errorFields, Logger, Store } from '@timer/shared';

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

export function keepRegistered(
  store: Store,
  controller: { id: string; endpoint: string },
  logger: Logger,
): () => Promise<void> {
  const beat = () =>
    store.fleet
      .register(controller)
      .catch((err) =>
        logger.debug('Controller heartbeat failed', { controllerId: controller.id, ...errorFields(err) }),
      );
  void beat();
  const timer = setInterval(() => void beat(), HEARTBEAT_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await store.fleet.remove(controller.id).catch(() => undefined);
  };
}
