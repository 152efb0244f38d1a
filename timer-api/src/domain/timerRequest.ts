/**
 * How a POST /timers body becomes the timer to store: when it fires (a delay, or
 * an absolute fire_at), its own delivery policy (retry schedule, missed-fire
 * policy), and what it sends (webhookSpec.ts). The rules the schema cannot say on its own live here; every problem is
 * a 400 `validation_failed` naming the field; a payload or body over
 * MAX_PAYLOAD_BYTES is a 413 once nothing else is wrong. Pure: the time is a parameter.
 */
import { readWebhookUrl } from '@timer/shared';
import type { Callbacks, RetryPolicy, WebhookSpec } from '@timer/shared';
import { AppError, ErrorDetail } from '../errors';
import type { CreateTimerRequest } from '../schemas';
import { WebhookLimits, webhookSpecOf } from './webhookSpec';

export interface TimerPlan {
  fireAt: Date;
  /** When to look at it first: fire_at, or now for a fire_at already past. */
  dueAt: Date;
  /** Milliseconds until it is due (0 when due now). */
  delayMs: number;
  retry: RetryPolicy;
  maxLatenessSeconds: number | null;
  webhook: WebhookSpec;
  callbacks: Callbacks;
}

export function planTimer(
  request: CreateTimerRequest,
  nowMs: number,
  maxDelaySeconds: number,
  limits: WebhookLimits,
): TimerPlan {
  const problems: ErrorDetail[] = [];
  const fireAtMs = fireTimeOf(request, nowMs, maxDelaySeconds, problems);
  const retry = retryPolicyOf(request, problems);
  const maxLatenessSeconds = missedFireRuleOf(request, problems);
  const webhook = webhookSpecOf(request, limits, problems);
  const callbacks = callbacksOf(request, problems);
  throwProblems(problems, webhook.oversize);
  const dueMs = Math.max(fireAtMs, nowMs);
  return {
    fireAt: new Date(fireAtMs),
    dueAt: new Date(dueMs),
    delayMs: dueMs - nowMs,
    retry,
    maxLatenessSeconds,
    webhook: webhook.spec,
    callbacks,
  };
}

/**
 * A timer's or schedule's completion callbacks: each URL read by the rules of
 * the webhook URL (the controller sends to it as given).
 */
export function callbacksOf(request: Pick<CreateTimerRequest, 'callbacks'>, problems: ErrorDetail[]): Callbacks {
  const given = request.callbacks ?? {};
  const callbacks: Callbacks = {};
  for (const [field, key] of [
    ['on_success', 'onSuccess'],
    ['on_failure', 'onFailure'],
  ] as const) {
    const url = given[field];
    if (url === undefined) continue;
    const reading = readWebhookUrl(url);
    if (reading.ok) callbacks[key] = url;
    else problems.push({ path: `callbacks.${field}`, message: `callbacks.${field}: ${reading.problem}` });
  }
  return callbacks;
}

/** Every problem at once as a 400; else an oversize payload or body as a 413. */
export function throwProblems(problems: ErrorDetail[], oversize: string | null): void {
  if (problems.length > 0) {
    throw new AppError(
      'validation_failed',
      `Invalid request body: ${problems.map((p) => p.message).join('; ')}`,
      problems,
    );
  }
  if (oversize !== null) throw new AppError('payload_too_large', `Request body too large: ${oversize}.`);
}

type FireTimeFields = Pick<CreateTimerRequest, 'fire_at' | 'hours' | 'minutes' | 'seconds'>;

/** Whether a request says when to fire: a fire_at, or any part of a delay. */
export function hasFireTime(request: FireTimeFields): boolean {
  return (
    request.fire_at !== undefined ||
    request.hours !== undefined ||
    request.minutes !== undefined ||
    request.seconds !== undefined
  );
}

/**
 * When a request fires, in epoch ms: its fire_at, or now plus its delay (none: now).
 * The rule of POST /timers and PATCH /timers/{id} alike; each problem is pushed.
 */
export function fireTimeOf(
  request: FireTimeFields,
  nowMs: number,
  maxDelaySeconds: number,
  problems: ErrorDetail[],
): number {
  const hasDelay = request.hours !== undefined || request.minutes !== undefined || request.seconds !== undefined;
  if (request.fire_at === undefined) {
    const total = (request.hours ?? 0) * 3600 + (request.minutes ?? 0) * 60 + (request.seconds ?? 0);
    if (total > maxDelaySeconds) {
      problems.push({
        path: 'body',
        message: `the total delay must be at most ${maxDelaySeconds} seconds, got ${total}`,
      });
    }
    return nowMs + total * 1000;
  }
  if (hasDelay) {
    problems.push({ path: 'fire_at', message: 'fire_at cannot be combined with hours, minutes or seconds' });
  }
  const fireAtMs = Date.parse(request.fire_at);
  if (Number.isNaN(fireAtMs)) {
    problems.push({ path: 'fire_at', message: 'fire_at must be an RFC 3339 date-time with an offset' });
    return nowMs;
  }
  if (fireAtMs - nowMs > maxDelaySeconds * 1000) {
    problems.push({ path: 'fire_at', message: `fire_at must be at most ${maxDelaySeconds} seconds ahead` });
  }
  return fireAtMs;
}

function retryPolicyOf(request: CreateTimerRequest, problems: ErrorDetail[]): RetryPolicy {
  const retry = request.retry ?? {};
  if (retry.base_ms !== undefined && retry.max_ms !== undefined && retry.max_ms < retry.base_ms) {
    problems.push({ path: 'retry.max_ms', message: 'retry.max_ms must be at least retry.base_ms' });
  }
  return { maxAttempts: retry.max_attempts ?? null, baseMs: retry.base_ms ?? null, maxMs: retry.max_ms ?? null };
}

/**
 * The missed-fire rule of a timer or a schedule (whose occurrences inherit it):
 * max_lateness_seconds with on_late "skip", null for "fire". Each rule the
 * schema cannot say is a problem pushed onto `problems`.
 */
export function missedFireRuleOf(
  request: Pick<CreateTimerRequest, 'on_late' | 'max_lateness_seconds'>,
  problems: ErrorDetail[],
): number | null {
  const skip = request.on_late === 'skip';
  if (skip && request.max_lateness_seconds === undefined) {
    problems.push({ path: 'max_lateness_seconds', message: 'max_lateness_seconds is required with on_late "skip"' });
  }
  if (!skip && request.max_lateness_seconds !== undefined) {
    problems.push({ path: 'max_lateness_seconds', message: 'max_lateness_seconds applies only with on_late "skip"' });
  }
  return skip ? (request.max_lateness_seconds ?? null) : null;
}

/**
 * A webhook URL the controller can send to, read by the controller's own rules
 * (@timer/shared readWebhookUrl), or a 400 naming the problem.
 */
export function checkWebhookUrl(raw: string): string {
  const reading = readWebhookUrl(raw);
  if (!reading.ok) throw invalidUrl(reading.problem);
  return raw;
}

function invalidUrl(message: string): AppError {
  return new AppError('validation_failed', `Invalid request body: ${message}`, [{ path: 'url', message }]);
}
