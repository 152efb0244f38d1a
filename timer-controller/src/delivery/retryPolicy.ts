/**
 * What follows a failed attempt: give up, or retry after how long. The timer's
 * own schedule (its `retry` object) wins over the controller's settings field by
 * field; a receiver's Retry-After (429/503) stretches the back-off, never beyond
 * the schedule's cap. Pure: the random source is a parameter.
 */
import { exponentialDelay } from '@timer/shared';
import type { ClaimedTimer, RetryPolicy } from '@timer/shared';
import { DeliveryError, PermanentDeliveryError } from './answers';

/** MAX_ATTEMPTS, RETRY_BASE_MS, RETRY_MAX_MS: for timers that do not set their own. */
export interface RetryDefaults {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface EffectiveRetryPolicy {
  maxAttempts: number;
  baseMs: number;
  /** Never below baseMs: a timer that set only a large base raises the cap with it. */
  maxMs: number;
}

export function effectiveRetryPolicy(policy: RetryPolicy, defaults: RetryDefaults): EffectiveRetryPolicy {
  const baseMs = policy.baseMs ?? defaults.retryBaseMs;
  return {
    maxAttempts: policy.maxAttempts ?? defaults.maxAttempts,
    baseMs,
    maxMs: Math.max(policy.maxMs ?? defaults.retryMaxMs, baseMs),
  };
}

export type NextStep = { giveUp: true; permanent: boolean } | { giveUp: false; delayMs: number };

export function nextStep(
  timer: Pick<ClaimedTimer, 'attempt' | 'retry'>,
  err: unknown,
  defaults: RetryDefaults,
  random: () => number = Math.random,
): NextStep {
  if (err instanceof PermanentDeliveryError) return { giveUp: true, permanent: true };
  const policy = effectiveRetryPolicy(timer.retry, defaults);
  if (timer.attempt >= policy.maxAttempts) return { giveUp: true, permanent: false };
  const backoffMs = exponentialDelay(timer.attempt, policy.baseMs, policy.maxMs, random);
  const retryAfterMs = err instanceof DeliveryError ? err.retryAfterMs : null;
  if (retryAfterMs === null) return { giveUp: false, delayMs: backoffMs };
  return { giveUp: false, delayMs: Math.min(Math.max(backoffMs, retryAfterMs), policy.maxMs) };
}
