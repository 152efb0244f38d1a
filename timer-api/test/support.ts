/**
 * What the timer-api tests share: the real app on a random port around a given
 * store, a client that sends exactly the bytes it is given, the one assertion every
 * error answer must pass (the SPEC's JSON shape, with a code from the catalogue
 * whose status is the one sent), and the row behind a timer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createSilentLogger, Db, DbTime, dialectOf, Logger, select, Store } from '@timer/shared';
import { AppDeps, createApp } from '../src/app';
import { ERROR_CATALOGUE, ErrorCode } from '../src/errors';

export interface RunningApi {
  port: number;
  logger: Logger;
  /** A supertest agent bound to the listening server. */
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
}

export async function startApp(
  config: AppDeps['config'],
  store: Store,
  deps: Partial<Omit<AppDeps, 'config' | 'store'>> = {},
): Promise<RunningApi> {
  const logger = deps.logger ?? createSilentLogger();
  const server = http.createServer(createApp({ ...deps, config, store, logger }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    logger,
    http: () => request(`http://127.0.0.1:${port}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Exactly these bytes and headers, nothing added: supertest (superagent) picks a
 * Content-Type and serializes Buffers on its own, which the malformed cases must avoid.
 */
export function rawRequest(port: number, { method, path, headers = {}, body }: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { ...(body ? { 'Content-Length': String(body.length) } : {}), Connection: 'close', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** What expectError needs of an answer, from supertest or from rawRequest. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** The SPEC's error shape: JSON `{"error": {"code", "message"}}`, status from the catalogue. */
export function expectError(res: Answer, status: number, code: ErrorCode): void {
  const body = res.body as { error?: { code?: unknown; message?: unknown } } | undefined;
  expect({ status: res.status, code: body?.error?.code }).toEqual({ status, code });
  expect(ERROR_CATALOGUE[code].status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(body ?? {})).toEqual(['error']);
  expect(body?.error).toEqual(expect.objectContaining({ code, message: expect.any(String) }));
  expect(String(body?.error?.message).length).toBeGreaterThan(0);
}

export interface TimerRow {
  id: string;
  url: string;
  status: string;
  fire_at: Date;
  due_at: Date | null;
  created_at: Date;
  attempts: number;
}

/** The row as stored, read straight from the table (not through the store); times as Dates on both databases. */
export async function timerRow(db: Db, id: string): Promise<TimerRow | undefined> {
  const d = dialectOf(db);
  const [row] = await select<Record<string, unknown>>(
    db,
    5000,
    'SELECT id, url, status, fire_at, due_at, created_at, attempts FROM timers WHERE id = ?',
    [id],
  );
  if (!row) return undefined;
  const time = (value: unknown) => d.date(value as DbTime);
  return {
    ...(row as unknown as TimerRow),
    fire_at: time(row.fire_at),
    due_at: row.due_at === null ? null : time(row.due_at),
    created_at: time(row.created_at),
  };
}

export const HOOK_URL = 'https://example.com/hooks';
