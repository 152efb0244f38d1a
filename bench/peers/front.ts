/**
 * The peers' HTTP front: Express 5 answering `POST /timers` with the shape ours
 * takes and gives — `{"seconds": n | "fire_at": iso, "url": "…"}` → 201
 * `{"id", "status", "url", "fire_at", "created_at", "time_left"}` — so the same
 * load generator drives every system. Each request is one call to the peer's own
 * API (`schedule`), as a service built on that library would make it.
 */
import type { AddressInfo } from 'node:net';
import express, { NextFunction, Request, Response } from 'express';
import { log } from './log';

/** Queues one timer; resolves with its id and when the library will run it. */
export type Schedule = (url: string, fireAt: Date) => Promise<{ id: string; fireAt: Date }>;

/** The request's url and due instant, or what is wrong with it. */
function read(body: unknown): { url: string; fireAt: Date } | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object';
  const { url, seconds, fire_at: fireAt, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length) return `unknown fields: ${Object.keys(rest).join(', ')}`;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) return 'url must be an http(s) URL';
  if ((seconds === undefined) === (fireAt === undefined)) return 'give seconds or fire_at';
  if (seconds !== undefined) {
    if (!Number.isInteger(seconds) || (seconds as number) < 0) return 'seconds must be a non-negative integer';
    return { url, fireAt: new Date(Date.now() + (seconds as number) * 1000) };
  }
  const at = typeof fireAt === 'string' ? new Date(fireAt) : new Date(NaN);
  return Number.isNaN(at.getTime()) ? 'fire_at must be an ISO 8601 instant' : { url, fireAt: at };
}

export function startFront(schedule: Schedule, port: number): void {
  const app = express();
  app.use(express.json());
  app.post('/timers', async (req: Request, res: Response) => {
    const timer = read(req.body);
    if (typeof timer === 'string') {
      res.status(400).json({ error: { code: 'validation_failed', message: timer } });
      return;
    }
    const createdAt = new Date();
    const queued = await schedule(timer.url, timer.fireAt);
    res
      .status(201)
      .location(`/timers/${queued.id}`)
      .json({
        id: queued.id,
        status: 'pending',
        url: timer.url,
        fire_at: queued.fireAt.toISOString(),
        created_at: createdAt.toISOString(),
        time_left: Math.max(0, Math.ceil((queued.fireAt.getTime() - Date.now()) / 1000)),
      });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    log('Create failed', { error: String(err) });
    res.status(503).json({ error: { code: 'unavailable', message: 'could not queue the timer' } });
  });
  const server = app.listen(port, '127.0.0.1', () =>
    log('Front listening', { port: (server.address() as AddressInfo).port }),
  );
  server.keepAliveTimeout = 60_000;
}
