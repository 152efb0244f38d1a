import type { WebhookSpec } from '../webhooks/spec';
import type { TraceContext } from '../tracing/tracing';

export const TIMER_STATUSES = ['pending', 'firing', 'fired', 'failed', 'canceled', 'skipped'] as const;
export type TimerStatus = (typeof TIMER_STATUSES)[number];

/** Statuses a timer never leaves by itself (POST /timers/{id}/retry takes a failed one back). */
export const FINISHED_STATUSES = ['fired', 'failed', 'canceled', 'skipped'] as const satisfies readonly TimerStatus[];

/** How long an Idempotency-Key names the timer it created. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/**
 * A timer's own retry schedule. Each null means the controller's setting
 * (MAX_ATTEMPTS, RETRY_BASE_MS, RETRY_MAX_MS) at delivery time.
 */
export interface RetryPolicy {
  maxAttempts: number | null;
  baseMs: number | null;
  maxMs: number | null;
}

/** A timer as the store returns it to the api. */
export interface TimerRecord {
  id: string;
  url: string;
  status: TimerStatus;
  fireAt: Date;
  createdAt: Date;
  firedAt: Date | null;
  /** Delivery attempts started in the current series (a replay starts a new one). */
  attempts: number;
  lastError: string | null;
  /** The schedule this timer is an occurrence of; null for a timer created with POST /timers. */
  scheduleId: string | null;
  /** Milliseconds from the database's now to fire_at (negative once due). */
  msLeft: number;
  retry: RetryPolicy;
  /** on_late "skip": the most seconds late the first delivery may be; null: fire however late. */
  maxLatenessSeconds: number | null;
  /** What it sends (PLAIN_WEBHOOK unless it has its own payload, body, headers, method or URL rule). */
  webhook: WebhookSpec;
  /** The trace its deliveries continue (README "Tracing"); null when it was created with tracing off. */
  trace: TraceContext | null;
}

/** A timer a controller holds under a lease: what it needs to deliver it and record the outcome. */
export interface ClaimedTimer {
  id: string;
  /** Whose timer it is: its webhook is signed with this tenant's secret (or WEBHOOK_SECRET). */
  tenant: string;
  url: string;
  /**
   * Set when its URL is sealed under a data key DATA_KEYS does not hold (then `url`
   * is only the origin): why, and the timer fails without a request (invalid_request).
   */
  unreadable?: string;
  fireAt: Date;
  /** When to send: fire_at for the first attempt, the retry time for later ones. */
  dueAt: Date;
  /** 1 for the first delivery attempt of the current series, 2 for its first retry, …: what the retry policy counts. */
  attempt: number;
  /** The attempt's number in the timer's history: like `attempt`, but it continues across replays. */
  attemptNumber: number;
  /** Grows with every claim of this timer: fences this claim's updates against later ones. */
  leaseToken: number;
  retry: RetryPolicy;
  /**
   * Skip instead of sending when the timer is later than this past fire_at. Set only
   * for the fire itself (on_late "skip", no attempt failed yet, not replayed):
   * retries follow the retry policy and a replay always sends.
   */
  maxLatenessMs: number | null;
  /**
   * It sends its own request (timers.webhook is set): the controller loads it when
   * the request starts (Claims.webhookSpecs), so what it holds ahead of time stays
   * small whatever the bodies weigh.
   */
  customWebhook: boolean;
  /** The trace context stored with the timer: its deliveries' parent, and a link (after a replay: the creation). Absent: none. */
  trace?: StoredTrace;
}

/** What a timer keeps of the traces that concern it (README "Tracing"). */
export interface StoredTrace {
  parent: TraceContext | null;
  link: TraceContext | null;
}

/** The fence of one claim: an update made under it only lands while the claim is current. */
export interface ClaimRef {
  id: string;
  leaseToken: number;
}

/** What one delivery attempt led to. */
export const ATTEMPT_OUTCOMES = ['delivered', 'retry', 'failed', 'released'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/**
 * Why an attempt got no 2xx: `http` for a non-2xx status, else why no answer came.
 * `invalid_request`: the timer holds something no request can be built from (a URL
 * stored before today's checks); `internal`: this service failed while preparing
 * the request (a bug), retried like a network error.
 */
export const ERROR_CLASSES = [
  'http',
  'timeout',
  'network',
  'target_refused',
  'aborted',
  'invalid_request',
  'internal',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** One request a controller sent, as kept in the delivery history. */
export interface AttemptRecord {
  timerId: string;
  leaseToken: number;
  /** Its number in the timer's history (ClaimedTimer.attemptNumber). */
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  /** The HTTP status answered, or null when no answer came. */
  statusCode: number | null;
  /** null for a 2xx; `http` for another status; else why no answer came (timeout, network, …). */
  errorClass: ErrorClass | null;
  error: string | null;
  outcome: AttemptOutcome;
  controllerId: string;
  /** How long after its due time (fire or retry time) the request left, on the database clock. */
  latenessMs: number;
}

export type CancelResult =
  | { outcome: 'canceled'; timer: TimerRecord }
  | { outcome: 'not_found' }
  | { outcome: 'not_cancelable'; timer: TimerRecord };

export type ReplayResult =
  | { outcome: 'replayed'; timer: TimerRecord }
  | { outcome: 'not_found' }
  | { outcome: 'not_retryable'; timer: TimerRecord };

/** The stored key of an earlier POST /timers, as a new request with the same key finds it. */
export interface IdempotencyRecord {
  requestHash: string;
  timerId: string;
  /** Younger than IDEMPOTENCY_TTL_MS on the database clock: it still names its timer. */
  live: boolean;
}
