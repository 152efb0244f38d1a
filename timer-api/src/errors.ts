/**
 * The error catalogue: every error the api returns has a stable code, a status and
 * a default message. The OpenAPI document lists these codes, and a test checks
 * that it lists every one.
 */
export const ERROR_CATALOGUE = {
  validation_failed: { status: 400, message: 'The request is not valid.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  bad_request: { status: 400, message: 'The request could not be read.' },
  webhook_target_refused: {
    status: 400,
    message:
      'The url points somewhere this service does not send webhooks to (WEBHOOK_TARGETS, WEBHOOK_ALLOWED_PORTS).',
  },
  webhook_host_unresolvable: { status: 400, message: "The url's host name does not resolve." },
  unauthorized: { status: 401, message: 'A valid API key is required: send Authorization: Bearer <key>.' },
  insufficient_scope: { status: 403, message: "This API key's scope does not allow this request." },
  timer_not_found: { status: 404, message: 'No timer has this id.' },
  schedule_not_found: { status: 404, message: 'No schedule has this id.' },
  key_not_found: { status: 404, message: 'No API key has this id.' },
  tenant_not_found: { status: 404, message: 'No tenant has this name (a tenant is made with its first key).' },
  route_not_found: { status: 404, message: 'No such route.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed on this route.' },
  precondition_failed: {
    status: 412,
    message: 'The timer has changed since the ETag given in If-Match; GET it again and decide anew.',
  },
  timer_not_cancelable: { status: 409, message: 'Only a pending timer can be canceled.' },
  timer_not_changeable: { status: 409, message: 'Only a pending or failed timer can be changed.' },
  timer_started: {
    status: 409,
    message:
      'Its request has started, or may have started: a controller is sending it, or holds it and cannot be asked.',
  },
  timer_not_retryable: { status: 409, message: 'Only a failed timer can be retried.' },
  idempotency_key_reused: {
    status: 409,
    message: 'This Idempotency-Key was used in the last 24 hours with a different request body.',
  },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'The request body must be application/json.' },
  rate_limited: { status: 429, message: 'Too many requests; retry after the Retry-After header.' },
  pending_quota_exceeded: {
    status: 429,
    message:
      'Too many timers waiting to fire for this tenant (its max_pending, or MAX_PENDING_PER_KEY); cancel some or wait.',
  },
  create_rate_exceeded: {
    status: 429,
    message:
      'This tenant has created as many timers this second as its creates_per_second (or CREATES_PER_SECOND) allows; retry after the Retry-After header.',
  },
  schedule_quota_exceeded: {
    status: 429,
    message: 'Too many schedules for this API key (MAX_SCHEDULES_PER_KEY); delete one first.',
  },
  service_unavailable: { status: 503, message: 'The database is unavailable; retry shortly.' },
  request_timeout: {
    status: 503,
    message:
      'The service could not answer within REQUEST_TIMEOUT_MS; retry shortly. A create answered this way may have been stored.',
  },
  holder_unreachable: {
    status: 503,
    message:
      'The controller holding this timer ahead of its time did not answer; nothing was changed. Retry after Retry-After.',
  },
  contended: {
    status: 503,
    message: 'The timer or schedule kept changing while this request ran; nothing was changed. Retry.',
  },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  /** For a 503: when to retry, if not the default. */
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: ErrorDetail[],
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message ?? ERROR_CATALOGUE[code].message, options);
    this.name = 'AppError';
    this.status = ERROR_CATALOGUE[code].status;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
