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

/**
 * A timer's labels: short strings by name, for finding and canceling timers as a
 * group (`order: "42"`). Plain text: stored and shown as given.
 */
export type Labels = Record<string, string>;

/**
 * Where to send a notice when a timer's series of attempts ends: onSuccess when
 * it fired, onFailure when it failed or was skipped. Each optional.
 */
export interface Callbacks {
  onSuccess?: string;
  onFailure?: string;
}

/** A label as it is indexed and filtered on: `name:value`. */
export function labelTerm(name: string, value: string): string {
  return `${name}:${value}`;
}

/** A timer as the store returns it to the api. */
export interface TimerRecord {
  id: string;
  url: string;
  status: TimerStatus;
  fireAt: Date;
  /**
   * When a controller next looks at it: fire_at at first, the retry time while it
   * waits for a retry; null once finished, or while it waits parked for its flow.
   */
  dueAt: Date | null;
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
  /** Raised by PATCH, cancel and replay only (never by claims or retries): ETag, If-Match, Timer-Version. */
  version: number;
  /** What it sends (PLAIN_WEBHOOK unless it has its own payload, body, headers, method or URL rule). */
  webhook: WebhookSpec;
  labels: Labels;
  callbacks: Callbacks;
  /** The trace its deliveries continue (README "Tracing"); null when it was created with tracing off. */
  trace: TraceContext | null;
  /** The flow it belongs to: its own flow_key, else its URL's origin. */
  flowKey: string;
  /** Why a due timer is waiting unsent (see TIMER_WAITING); null when it is not. */
  waiting: TimerWaiting | null;
}

/**
 * Why a due timer waits: its flow has no capacity (parallelism or rate), or is
 * paused; its origin asked the fleet to slow down (Retry-After), or its circuit
 * breaker is open.
 */
export const TIMER_WAITING = ['flow_limit', 'paused', 'origin_backoff', 'breaker'] as const;
export type TimerWaiting = (typeof TIMER_WAITING)[number];

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
  /** The timer's version this claim sends (Timer-Version; the Idempotency-Key after the first change). */
  version: number;
  /**
   * It sends its own request (timers.webhook is set): the controller loads it when
   * the request starts (Claims.webhookSpecs), so what it holds ahead of time stays
   * small whatever the bodies weigh.
   */
  customWebhook: boolean;
  /** It has completion callbacks (see ClaimRef). */
  notify: boolean;
  /** It has labels (see ClaimRef); absent: not known. */
  labelled?: boolean;
  /** The trace context stored with the timer: its deliveries' parent, and a link (after a replay: the creation). Absent: none. */
  trace?: StoredTrace;
  /**
   * The limited flow this timer was claimed through (null: an ordinary claim). Its
   * slot in the flow's parallelism is held until the outcome is recorded.
   */
  flowId?: number | null;
  /**
   * Under a flow's rate: the latest its request may start (its send slot plus a
   * small tolerance); a controller that comes to it later hands it back instead,
   * so a stalled process never sends a bunch of slots at once.
   */
  sendBy?: Date | null;
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
  /** The timer has completion callbacks: the write that ends its series also creates its notice. */
  notify?: boolean;
  /**
   * Whether the timer has labels: the write that ends its series also sets its
   * label rows' outcome (labelOutcome.ts). false: none, nothing more is written;
   * absent: not known, written as for a labelled timer.
   */
  labelled?: boolean;
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

/**
 * The state of a timer the api decided a change or cancel on: the write lands
 * only while the timer is still in it (same version, same status, and for a
 * held timer the same claim), so a concurrent claim, change or outcome makes it
 * match nothing and the api reads the timer again.
 */
export type ChangeFence = (
  | { from: 'pending' | 'failed'; version: number }
  /**
   * Firing under the claim `leaseToken`, whose controller has given it back
   * unsent (or does not hold it and has promised never to send under it).
   * `dueAt`: when it was due to be sent, as the controller said (null: read
   * back from the lease, as releaseUnsent does).
   */
  | { from: 'held'; version: number; leaseToken: number; dueAt: Date | null; leaseMs: number }
) & {
  /**
   * Whether the timer has labels (they never change): a cancel or replay then
   * also sets its label rows' outcome. false: none; absent: not known, written
   * as for a labelled timer.
   */
  labelled?: boolean;
};

/** What PATCH /timers/{id} sets; an absent field stays as it is. */
export interface TimerChange {
  url?: string;
  /** With dueAt: when it fires, and when a controller first looks at it (fire_at, or now if that is past). */
  fireAt?: Date;
  dueAt?: Date;
  /** The whole policy after the request's fields were merged into the stored one. */
  retry?: RetryPolicy;
  maxLatenessSeconds?: number | null;
  /** What it sends, whole (the request's fields laid over the stored spec). */
  webhook?: WebhookSpec;
}

/** Who holds a firing timer, as the api needs it to ask for it back. */
export interface TimerHolder {
  status: TimerStatus;
  version: number;
  lockedBy: string | null;
  leaseToken: number;
  /** Milliseconds until the lease ends (database clock; ≤ 0 once expired). */
  leaseLeftMs: number;
  /**
   * Milliseconds until the earliest moment its request can start: until fire_at
   * while this claim is the timer's first attempt; 0 when it may already have
   * started (a retry, a replay, or fire_at passed).
   */
  unstartedForMs: number;
  /** It has labels (they never change): a cancel or replay also writes its label rows. */
  labelled?: boolean;
}

export type CancelResult =
  | { outcome: 'canceled'; timer: TimerRecord }
  | { outcome: 'not_found' }
  /** The timer is no longer in the state the fence names. */
  | { outcome: 'moved'; timer: TimerRecord };

export type ChangeResult =
  { outcome: 'changed'; timer: TimerRecord } | { outcome: 'not_found' } | { outcome: 'moved'; timer: TimerRecord };

export type ReplayResult =
  | { outcome: 'replayed'; timer: TimerRecord }
  | { outcome: 'not_found' }
  /** The timer is no longer failed at that version. */
  | { outcome: 'moved'; timer: TimerRecord };

/** The stored key of an earlier POST /timers, as a new request with the same key finds it. */
export interface IdempotencyRecord {
  requestHash: string;
  timerId: string;
  /** Younger than IDEMPOTENCY_TTL_MS on the database clock: it still names its timer. */
  live: boolean;
  /** For a key sent with a batch: the timers it created, in order; null for a single create. */
  timerIds: string[] | null;
}

/** What canceling by labels did: how many it canceled, how many it found started, how many pending matches are left. */
export interface LabelCancelResult {
  canceled: string[];
  /** Matches a controller holds (firing), up to the call's limit: their cancel asks the holder first. */
  held: string[];
  notCancelable: number;
  remaining: number;
}
