/** Counts and times every answered request by method, matched route and status. */
import type { RequestHandler } from 'express';
import type { Metrics } from '@timer/shared';

export function countRequests(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      // The route pattern, not the path: ids must not become label values.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      stop({ method: req.method, route });
    });
    next();
  };
}
