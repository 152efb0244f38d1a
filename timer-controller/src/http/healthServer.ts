/**
 * The controller's own small HTTP server on CONTROLLER_PORT: /healthz, /readyz,
 * /metrics (open), and the endpoints that change what the controller does, which
 * ask for INTERNAL_TOKEN (internalAuth.ts): POST /nudge, which the api calls when
 * it has just stored a timer due before this controller's next poll, and POST
 * /timers/{id}/give-back, which the api calls before it changes or cancels a
 * timer this controller holds. Every answer names the controller
 * (Timer-Controller-Id), so it can check its advertised address reaches it.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createHttpServer, healthRoutes, securityHeaders } from '@timer/shared';
import type { ClaimRef, GiveBackAnswer, Metrics, Store } from '@timer/shared';
import { CONTROLLER_ID_HEADER } from '../maintenance/advertised';
import { requireInternalToken } from './internalAuth';

export interface HealthServerOptions {
  store: Pick<Store, 'ping'>;
  metrics: Metrics;
  port: number;
  host: string;
  /** HEADERS_TIMEOUT_MS: the port is open to the controller's network. */
  headersTimeoutMs: number;
  controllerId: string;
  /** INTERNAL_TOKEN; null: the endpoints that change behaviour refuse every call. */
  internalToken: string | null;
  onNudge: () => void;
  giveBack: (claim: ClaimRef) => GiveBackAnswer;
  /** Readiness beyond the database (the advertised address); a message while it fails. */
  notReady?: () => string | null;
}

export async function startHealthServer(
  options: HealthServerOptions,
): Promise<{ port: number; close: () => Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.use((_req, res, next) => {
    res.set(CONTROLLER_ID_HEADER, options.controllerId);
    next();
  });
  app.use(healthRoutes(options.store, options.metrics, options.notReady));
  const internal = requireInternalToken(options.internalToken);
  app.post('/nudge', internal, (_req, res) => {
    options.onNudge();
    res.status(202).end();
  });
  app.post('/timers/:id/give-back', internal, express.json({ limit: 1024 }), (req, res) => {
    const leaseToken = (req.body as { lease_token?: unknown } | undefined)?.lease_token;
    if (!Number.isSafeInteger(leaseToken) || (leaseToken as number) < 1) {
      res
        .status(400)
        .json({ error: { code: 'validation_failed', message: 'lease_token must be a positive integer.' } });
      return;
    }
    const answer = options.giveBack({ id: String(req.params.id), leaseToken: leaseToken as number });
    res.json(
      answer.outcome === 'given_back' ? { outcome: answer.outcome, due_at: answer.dueAt.toISOString() } : answer,
    );
  });
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'route_not_found', message: 'No such route.' } });
  });
  app.use(((err, _req, res, _next) => {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    res.status(status >= 400 && status < 500 ? 400 : 500).json({
      error: { code: status < 500 ? 'bad_request' : 'internal_error', message: 'The request could not be handled.' },
    });
  }) as express.ErrorRequestHandler);
  const server = createHttpServer(app, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
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
