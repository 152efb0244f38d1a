/**
 * How a PATCH /timers/{id} body becomes the change to store, given the timer as
 * it is: a new fire time (an absolute fire_at, or a delay from now), a URL, the
 * retry policy merged field by field (null: the service's setting again), the
 * missed-fire rule, what it sends (webhookPatch.ts). Every problem is a 400 `validation_failed` naming the field.
 * Pure: the time and the stored timer are parameters.
 */
import type { RetryPolicy, TimerChange, TimerRecord } from '@timer/shared';
import type { ErrorDetail } from '../errors';
import type { PatchTimerRequest } from '../schemas';
import { checkWebhookUrl, fireTimeOf, hasFireTime, throwProblems } from './timerRequest';
import { changesWebhook, patchWebhook } from './webhookPatch';

export function planPatch(
  request: PatchTimerRequest,
  timer: Pick<TimerRecord, 'url' | 'retry' | 'maxLatenessSeconds' | 'webhook'>,
  nowMs: number,
  limits: { maxDelaySeconds: number; maxPayloadBytes: number },
): TimerChange {
  const { maxDelaySeconds } = limits;
  const problems: ErrorDetail[] = [];
  const change: TimerChange = {};
  if (hasFireTime(request)) {
    const fireAtMs = fireTimeOf(request, nowMs, maxDelaySeconds, problems);
    change.fireAt = new Date(fireAtMs);
    change.dueAt = new Date(Math.max(fireAtMs, nowMs));
  }
  if (request.url !== undefined) change.url = checkWebhookUrl(request.url);
  if (request.retry !== undefined) change.retry = mergeRetry(timer.retry, request.retry, problems);
  const lateness = newMissedFireRule(request, timer.maxLatenessSeconds, problems);
  if (lateness !== undefined) change.maxLatenessSeconds = lateness;
  // A new url is checked against the headers too (Authorization with credentials in the url).
  let oversize: string | null = null;
  if (changesWebhook(request) || change.url !== undefined) {
    const reading = patchWebhook(timer.webhook, request, change.url ?? timer.url, limits, problems);
    if (changesWebhook(request)) change.webhook = reading.spec;
    oversize = reading.oversize;
  }
  throwProblems(problems, oversize);
  return change;
}

function mergeRetry(
  stored: RetryPolicy,
  request: NonNullable<PatchTimerRequest['retry']>,
  problems: ErrorDetail[],
): RetryPolicy {
  const pick = (value: number | null | undefined, kept: number | null) => (value === undefined ? kept : value);
  const merged: RetryPolicy = {
    maxAttempts: pick(request.max_attempts, stored.maxAttempts),
    baseMs: pick(request.base_ms, stored.baseMs),
    maxMs: pick(request.max_ms, stored.maxMs),
  };
  if (merged.baseMs !== null && merged.maxMs !== null && merged.maxMs < merged.baseMs) {
    problems.push({ path: 'retry.max_ms', message: 'retry.max_ms must be at least retry.base_ms (after the merge)' });
  }
  return merged;
}

/**
 * The new max_lateness_seconds (null: on_late "fire"), or undefined when the
 * request leaves the rule alone. max_lateness_seconds alone changes how late a
 * timer that already skips may be; on_late "skip" alone keeps a stored bound.
 */
export function newMissedFireRule(
  request: Pick<PatchTimerRequest, 'on_late' | 'max_lateness_seconds'>,
  stored: number | null,
  problems: ErrorDetail[],
): number | null | undefined {
  const { on_late: onLate, max_lateness_seconds: seconds } = request;
  if (onLate === 'fire') {
    if (seconds !== undefined) {
      problems.push({ path: 'max_lateness_seconds', message: 'max_lateness_seconds applies only with on_late "skip"' });
    }
    return null;
  }
  if (onLate === 'skip') {
    const bound = seconds ?? stored;
    if (bound === null) {
      problems.push({ path: 'max_lateness_seconds', message: 'max_lateness_seconds is required with on_late "skip"' });
    }
    return bound;
  }
  if (seconds === undefined) return undefined;
  if (stored === null) {
    problems.push({
      path: 'max_lateness_seconds',
      message: 'max_lateness_seconds applies only with on_late "skip" (send on_late too)',
    });
  }
  return seconds;
}
