/**
 * The HTTP server both services listen with, and the limits that keep slow or
 * idle clients from pinning its sockets:
 * - request headers must arrive within HEADERS_TIMEOUT_MS. Node enforces that
 *   bound only when it sweeps its connections, every `connectionsCheckingInterval`
 *   (30 s by default, so a 10 s bound held for up to 40 s): the sweep runs here at
 *   a tenth of the bound (100 ms to 1 s), so the bound holds within that;
 * - a whole request within 30 s (or the headers' bound, if longer);
 * - idle keep-alive connections are kept 65 s: longer than the idle timeout of
 *   common load balancers and client pools (60 s), so they close idle connections
 *   first and never send a request on one the server is closing.
 */
import http from 'node:http';
import type { RequestListener } from 'node:http';

export interface HttpServerOptions {
  headersTimeoutMs: number;
}

export function createHttpServer(app: RequestListener, { headersTimeoutMs }: HttpServerOptions): http.Server {
  const server = http.createServer(
    { connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.round(headersTimeoutMs / 10))) },
    app,
  );
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = Math.max(30_000, headersTimeoutMs);
  server.keepAliveTimeout = 65_000;
  return server;
}
