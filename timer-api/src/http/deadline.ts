/**
 * REQUEST_TIMEOUT_MS: every request is answered within this time. Each database
 * call has its own limits (connect, acquire, query), but a request can make
 * several, wait behind a coalesced INSERT, or meet a database that accepts
 * connections and then says nothing; the SPEC promises a fast 503 instead of a
 * hang whatever the cause, so the promise is kept here, once, for every route.
 *
 * When the time is up the request is answered 503 with Retry-After and its
 * signal (`requestSignal`) is aborted, so work that has not started yet (a
 * create still queued for the next INSERT) is dropped. Work already sent to the
 * database may still complete: a create answered 503 this way may exist, which
 * is what an Idempotency-Key on the retry is for. Whatever the route does after
 * the answer is ignored.
 */
import type { RequestHandler, Response } from 'express';
import type { CancelSignal, Logger } from '@timer/shared';
import { AppError } from '../errors';
import { sendError } from './sendError';

const SIGNAL = Symbol('requestSignal');

/**
 * The request's signal: what the create's queued INSERT reads (coalescer.ts). A
 * plain object rather than an AbortController, which costs every request more
 * than the rest of this middleware; nothing listens to it.
 */
class Deadline implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
}

export function answerWithin(timeoutMs: number, exempt: (path: string) => boolean, logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (exempt(req.path)) {
      next();
      return;
    }
    const deadline = new Deadline();
    (res.locals as Record<symbol, Deadline>)[SIGNAL] = deadline;
    const timer = setTimeout(() => {
      const error = new AppError('request_timeout');
      deadline.aborted = true;
      deadline.reason = error;
      if (res.headersSent) return;
      logger.warn('No answer within REQUEST_TIMEOUT_MS, answered 503', {
        method: req.method,
        path: req.path,
        timeoutMs,
      });
      sendError(res, error);
    }, timeoutMs);
    res.once('close', () => clearTimeout(timer));
    next();
  };
}

/** Aborted when the request's time is up (never, for routes without a deadline). */
export function requestSignal(res: Response): CancelSignal | undefined {
  return (res.locals as Record<symbol, Deadline | undefined>)[SIGNAL];
}

/** True once the deadline answered for this request: anything the route does later is dropped. */
export function answeredByDeadline(res: Response): boolean {
  return requestSignal(res)?.aborted === true && res.headersSent;
}
