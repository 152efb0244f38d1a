/**
 * A webhook receiver on 127.0.0.1 that records every request it gets: which timer,
 * when it arrived, its headers and body. `respond` decides the answer per request:
 * a status code, 'hang' (never answer) or 'drop' (close the connection).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  id: string;
  method: string;
  path: string;
  search: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** The body as sent, for checking its signature. */
  rawBody: string;
  /** The body's bytes exactly as they arrived. */
  rawBytes: Buffer;
  arrivedAt: number;
}

/** A status, a status after a delay and/or with headers, never answering, or closing the connection. */
export type Reply = number | { status: number; delayMs?: number; headers?: Record<string, string> } | 'hang' | 'drop';

export interface Receiver {
  /** Base URL to give timers, e.g. http://127.0.0.1:PORT/hooks */
  url: string;
  port: number;
  deliveries: Delivery[];
  /** Deliveries per timer id. */
  countById(): Map<string, number>;
  /** How many distinct timers arrived (cheap to poll). */
  readonly distinct: number;
  respond: (delivery: Delivery, nthForThisId: number) => Reply;
  /** The most requests it has had open at once (arrived, not yet answered). */
  readonly maxConcurrent: number;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /**
   * Record only the id and the arrival time, and answer 200 without reading the
   * body: for benchmarks, where the receiver shares the cores with what is measured.
   */
  light?: boolean;
  /** The address to listen on (default 127.0.0.1), e.g. a container network's gateway. */
  host?: string;
}

export async function startReceiver(
  respond: Receiver['respond'] = () => 200,
  options: ReceiverOptions = {},
): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const perId = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();
  const delayed = new Set<NodeJS.Timeout>();
  let open = 0;
  let maxConcurrent = 0;
  const server = http.createServer((req, res) => {
    open += 1;
    maxConcurrent = Math.max(maxConcurrent, open);
    res.on('close', () => (open -= 1));
    if (options.light) {
      req.resume();
      req.on('end', () => {
        const path = req.url ?? '';
        const query = path.indexOf('?');
        const id = path.slice(path.lastIndexOf('/', query < 0 ? undefined : query) + 1, query < 0 ? undefined : query);
        deliveries.push({
          id,
          method: '',
          path: '',
          search: '',
          headers: {},
          body: null,
          rawBody: '',
          rawBytes: Buffer.alloc(0),
          arrivedAt: Date.now(),
        });
        perId.set(id, (perId.get(id) ?? 0) + 1);
        res.writeHead(200).end();
      });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrivedAt = Date.now();
      const url = new URL(req.url ?? '/', 'http://receiver');
      const bytes = Buffer.concat(chunks);
      const text = bytes.toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep the raw text */
      }
      const id = url.pathname.split('/').pop() ?? '';
      const delivery: Delivery = {
        id,
        method: req.method ?? '',
        path: url.pathname,
        search: url.search,
        headers: req.headers,
        body,
        rawBody: text,
        rawBytes: bytes,
        arrivedAt,
      };
      deliveries.push(delivery);
      const nth = (perId.get(id) ?? 0) + 1;
      perId.set(id, nth);
      const reply = receiver.respond(delivery, nth);
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      if (reply === 'drop') {
        req.socket.destroy();
        return;
      }
      const answer = () => {
        hanging.delete(res);
        const status = typeof reply === 'number' ? reply : reply.status;
        const headers = typeof reply === 'number' ? {} : (reply.headers ?? {});
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end('{"ok":true}');
      };
      if (typeof reply === 'number' || !reply.delayMs) return answer();
      hanging.add(res);
      const timer = setTimeout(() => {
        delayed.delete(timer);
        answer();
      }, reply.delayMs);
      delayed.add(timer);
    });
  });
  server.keepAliveTimeout = 60_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://${host}:${port}/hooks`,
    port,
    deliveries,
    respond,
    get distinct() {
      return perId.size;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    countById: () => {
      const counts = new Map<string, number>();
      for (const d of deliveries) counts.set(d.id, (counts.get(d.id) ?? 0) + 1);
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of delayed) clearTimeout(timer);
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return receiver;
}
