/**
 * /healthz: the process is alive and serving. /readyz: the database answers too.
 * Orchestrators restart on the first and route traffic on the second. /metrics:
 * Prometheus text, when the service passes its metrics.
 */
import { Router } from 'express';
import type { Metrics } from '../metrics';
import type { Store } from '../store';

/** What a 503 tells clients to wait before retrying, in seconds. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * `notReady`: a service's own readiness condition beyond the database (a
 * controller: its advertised address answers); a message while it fails, else null.
 */
export function healthRoutes(
  store: Pick<Store, 'ping'>,
  metrics?: Metrics,
  notReady: () => string | null = () => null,
): Router {
  const router = Router();
  if (metrics) {
    router.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await store.ping();
      const problem = notReady();
      if (problem !== null) {
        res
          .status(503)
          .set('Retry-After', String(RETRY_AFTER_SECONDS))
          .json({ error: { code: 'not_ready', message: problem } });
        return;
      }
      res.json({ status: 'ready' });
    } catch {
      res
        .status(503)
        .set('Retry-After', String(RETRY_AFTER_SECONDS))
        .json({ error: { code: 'service_unavailable', message: 'The database is unreachable.' } });
    }
  });
  return router;
}
