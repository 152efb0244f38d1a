/**
 * What a webhook's answer means, as errors that carry their intent: a
 * DeliveryError is retried with back-off (carrying a Retry-After when the
 * receiver sent one on 429/503); a PermanentDeliveryError is failed at once,
 * never retried. Each also says, for the delivery history, what kind of failure
 * it was and which status came back.
 *   2xx                       → delivered
 *   408, 429, 5xx, no answer  → DeliveryError
 *   anything else (410 too)   → PermanentDeliveryError
 *   no request could be built → PermanentDeliveryError (invalid_request) for a URL
 *                               the api's rules refuse; internalError(): a bug, retried
 */
import type { ErrorClass } from '@timer/shared';
import { parseRetryAfter } from './retryAfter';

export interface DeliveryErrorDetails {
  errorClass: ErrorClass;
  /** The status answered, when one was. */
  statusCode?: number;
  /** What the receiver's Retry-After asked for (429 and 503 only), in ms. */
  retryAfterMs?: number;
  /** More than the client may see (what a name resolved to): for the operator's log, never last_error. */
  logDetail?: string;
}

export class DeliveryError extends Error {
  readonly errorClass: ErrorClass;
  readonly statusCode: number | null;
  readonly retryAfterMs: number | null;
  readonly logDetail: string | null;

  constructor(message: string, details: DeliveryErrorDetails = { errorClass: 'network' }) {
    super(message);
    this.name = 'DeliveryError';
    this.errorClass = details.errorClass;
    this.statusCode = details.statusCode ?? null;
    this.retryAfterMs = details.retryAfterMs ?? null;
    this.logDetail = details.logDetail ?? null;
  }
}

/** The receiver answered in a way that retrying cannot fix. */
export class PermanentDeliveryError extends DeliveryError {
  constructor(message: string, details?: DeliveryErrorDetails) {
    super(message, details);
    this.name = 'PermanentDeliveryError';
  }
}

/** What a shutdown uses to abort a request it will not wait for. */
export class SendAborted extends DeliveryError {
  constructor() {
    super('aborted by shutdown', { errorClass: 'aborted' });
    this.name = 'SendAborted';
  }
}

/**
 * Whatever went wrong while preparing or starting one timer's request (reading
 * its URL, building headers, signing, a bug) as that timer's outcome: a
 * DeliveryError stays what it is; anything else is an internal error, retried
 * with back-off like a network error, so a transient fault recovers and a lasting
 * one ends the timer `failed` after its attempts, with the error in last_error.
 */
export function internalError(
  while_: 'preparing' | 'sending' | 'finding the signing keys for',
  err: unknown,
): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new DeliveryError(`internal error while ${while_} the request: ${message.slice(0, 300)}`, {
    errorClass: 'internal',
  });
}

const RETRYABLE_STATUSES = new Set([408, 429]);
/** Statuses whose Retry-After is honoured. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

export function classifyStatus(status: number): 'delivered' | 'retry' | 'permanent' {
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 500 || RETRYABLE_STATUSES.has(status)) return 'retry';
  return 'permanent';
}

/** The answer as a result: the 2xx status, or the error that says what to do next. */
export function classifyAnswer({ status, retryAfter }: Answer, nowMs: number): number {
  switch (classifyStatus(status)) {
    case 'delivered':
      return status;
    case 'retry': {
      const retryAfterMs = RETRY_AFTER_STATUSES.has(status) ? parseRetryAfter(retryAfter, nowMs) : null;
      throw new DeliveryError(`HTTP ${status}`, {
        errorClass: 'http',
        statusCode: status,
        ...(retryAfterMs === null ? {} : { retryAfterMs }),
      });
    }
    case 'permanent':
      throw new PermanentDeliveryError(permanentMessage(status), { errorClass: 'http', statusCode: status });
  }
}

function permanentMessage(status: number): string {
  if (status >= 300 && status < 400) return `HTTP ${status} (redirects are not followed)`;
  if (status === 410) return 'HTTP 410 Gone (the receiver no longer accepts this webhook; not retried)';
  return `HTTP ${status}`;
}

/** What a receiver answered: its status, and its Retry-After header if any. */
export interface Answer {
  status: number;
  retryAfter?: string | string[];
}
