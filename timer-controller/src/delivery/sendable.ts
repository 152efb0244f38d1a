/**
 * The two checks a due timer passes before its request may start, both on the
 * database clock. Pure: the time is a parameter.
 */
import type { ClaimedTimer } from '@timer/shared';
import type { Held } from '../held';

/**
 * Do not start a request unless the lease outlives its time limit by this much
 * (room to abort and stop). LEASE_MS ≥ WEBHOOK_TIMEOUT_MS + 1000 (checked at
 * start) leaves at least 750 ms for a claimed timer to wait for a free slot.
 */
export const LEASE_SAFETY_MS = 250;

/** A lease that could run out mid-request: the timer must be handed back, not sent. */
export function leaseTooShort(held: Held, dbNowMs: number, webhookTimeoutMs: number): boolean {
  return dbNowMs + webhookTimeoutMs + LEASE_SAFETY_MS > held.leaseEndsMs;
}

/**
 * The missed-fire policy (on_late "skip"), decided at send time: later than
 * max_lateness_seconds past fire_at, the timer is skipped, not sent. Pass the
 * database clock's earliest reading, which errs towards sending when its offset
 * is uncertain. Null: send it.
 */
export function missedFire(timer: ClaimedTimer, dbEarliestNowMs: number): { lateMs: number; reason: string } | null {
  if (timer.maxLatenessMs === null) return null;
  const lateMs = Math.floor(dbEarliestNowMs - timer.fireAt.getTime());
  if (lateMs <= timer.maxLatenessMs) return null;
  const reason = `skipped: ${(lateMs / 1000).toFixed(1)} s late, more than max_lateness_seconds ${timer.maxLatenessMs / 1000}`;
  return { lateMs, reason };
}
