/**
 * What a flow's claim hands to the wheel: each timer with the moment it is sent.
 * Under a rate each timer leaves at its own send slot (database time), so the
 * receiver sees the rate's spacing rather than the claims' varying round trips,
 * and a request that would start more than SLOT_TOLERANCE_MS after its slot (a
 * stalled process) is handed back unsent by delivery. Without a rate, at once.
 */
import type { ClaimedTimer, FlowClaim, Metrics, Tracing } from '@timer/shared';
import type { Held } from '../held';
import { traceClaim } from '../tracing/deliveryTrace';

/** How late after its send slot a request of a rate-limited flow may still start. */
const SLOT_TOLERANCE_MS = 25;

export interface FlowClaimContext {
  /** The database's now (ms) just before the claim: the leases count from it. */
  claimedAt: number;
  /** Host times (ms) around the claim, for its span. */
  startedMs: number;
  endedMs: number;
  limit: number;
  leaseMs: number;
  controllerId: string;
}

export function heldOf(
  claim: FlowClaim<ClaimedTimer>,
  context: FlowClaimContext,
  metrics: Metrics,
  tracing: Tracing | undefined,
): Held[] {
  const { claimedAt } = context;
  const traces =
    tracing?.enabled && claim.timers.length > 0
      ? traceClaim(tracing, claim.timers, {
          startMs: context.startedMs,
          endMs: context.endedMs,
          limit: context.limit,
          controllerId: context.controllerId,
        })
      : null;
  const leaseEndsMs = claimedAt + context.leaseMs;
  return claim.timers.map((timer, i) => {
    const dueMs = claim.sendAt?.[i].getTime() ?? claimedAt;
    metrics.flowWait.observe(Math.max(0, dueMs - timer.dueAt.getTime()) / 1000);
    const sendBy = claim.sendAt ? new Date(dueMs + SLOT_TOLERANCE_MS) : null;
    return { timer: { ...timer, dueAt: new Date(dueMs), sendBy }, dueMs, leaseEndsMs, trace: traces?.[i] };
  });
}
