/**
 * What a webhook's answer means, as errors that carry their intent: a
 * DeliveryError is retried with back-off (carrying a Retry-After when the
 * receiver sent one on 429/503); a PermanentDeliveryError is failed at once,
 * never retried. Each also says, for the delivery history, what kind of failure
 * it was and which status came back.
 *   2xx                       → delivered
 *   408, 429, 5xx, no answer  → DeliveryError
 *   anything else (410 too)   → PermanentDeliveryError
 *   no request could be built → UnsendableRequest (permanent)
 */
import type { ErrorClass } from '@timer/shared';
import { parseRetryAfter } from './retryAfter';

export interface DeliveryErrorDetails {
  errorClass: ErrorClass;
  /** The status answered, when one was. */
  statusCode?: number;
  /** What the receiver's Retry-After asked for (429 and 503 only), in ms. */
  retryAfterMs?: number;
}

export class DeliveryError extends Error {
  readonly errorClass: ErrorClass;
  readonly statusCode: number | null;
  readonly retryAfterMs: number | null;

  constructor(message: string, details: DeliveryErrorDetails = { errorClass: 'network' }) {
    super(message);
    this.name = 'DeliveryError';
    this.errorClass = details.errorClass;
    this.statusCode = details.statusCode ?? null;
    this.retryAfterMs = details.retryAfterMs ?? null;
  }
}

/** The receiver answered in a way that retrying cannot fix. */
export class PermanentDeliveryError extends DeliveryError {
  constructor(message: string, details?: DeliveryErrorDetails) {
    super(message, details);
    this.name = 'PermanentDeliveryError';
  }
}

/**
 * The request could not be built from the timer (a URL that does not parse, a
 * signing or header failure, a bug): that timer fails, never retried, with the
 * reason in last_error. Nothing was sent.
 */
export class UnsendableRequest extends PermanentDeliveryError {
  constructor(cause: unknown) {
    super(`request could not be built: ${cause instanceof Error ? cause.message : String(cause)}`.slice(0, 500), {
      errorClass: 'unsendable',
    });
    this.name = 'UnsendableRequest';
  }
}

/** What a shutdown uses to abort a request it will not wait for. */
export class SendAborted extends DeliveryError {
  constructor() {
    super('aborted by shutdown', { errorClass: 'aborted' });
    this.name = 'SendAborted';
  }
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
