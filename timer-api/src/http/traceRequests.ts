/**
 * One SERVER span per api request, continuing the caller's trace when it sent a
 * `traceparent` (and `tracestate`). Named and described by the HTTP semantic
 * conventions: `POST /timers` once the route is known, the method, route,
 * status, path (never the query: it is not logged either). Everything the
 * request does runs with this span active — the create's spans, the lines it
 * logs — including what runs in the request's body and finish events.
 * Installed only when tracing is on.
 */
import type { RequestHandler } from 'express';
import type { Tracing } from '@timer/shared';

export function traceRequests(tracing: Tracing): RequestHandler {
  return (req, res, next) => {
    const traceparent = req.get('traceparent');
    const tracestate = req.get('tracestate');
    const span = tracing.startSpan(req.method, {
      kind: 'server',
      parent: traceparent ? { traceparent, tracestate: tracestate ?? null } : undefined,
      attributes: {
        'http.request.method': req.method,
        'url.path': req.path,
        'url.scheme': req.protocol,
        'server.port': req.socket.localPort,
        'client.address': req.socket.remoteAddress,
        'user_agent.original': req.get('user-agent'),
      },
    });
    res.once('close', () => {
      // req.route is set once a route matched: its path is the low-cardinality name.
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string') {
        span.updateName(`${req.method} ${route}`);
        span.setAttributes({ 'http.route': route });
      }
      span.setAttributes({ 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.fail(`HTTP ${res.statusCode}`);
      span.end();
    });
    tracing.withActiveEmitters(span, [req, res], next);
  };
}
