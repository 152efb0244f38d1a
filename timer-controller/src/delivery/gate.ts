/**
 * The gate a timer passes just before its request starts: the place where flow
 * control per destination will decide. It can let the request go, ask delivery
 * to try again later (the timer keeps its slot free and its lease), or have the
 * timer handed back unsent (another controller, or this one later, takes it).
 * The gate in use today lets everything through.
 */
import type { ClaimedTimer } from '@timer/shared';

export type GateVerdict =
  { verdict: 'allow' } | { verdict: 'wait'; ms: number } | { verdict: 'hand_back'; reason: string };

export interface DeliveryGate {
  /** Asked once per attempt, synchronously, just before the request would start. */
  check(timer: ClaimedTimer): GateVerdict;
  /** The request the gate allowed is over (answered, failed or aborted). */
  done(timer: ClaimedTimer): void;
}

export const ALLOW: GateVerdict = Object.freeze({ verdict: 'allow' });

export const openGate: DeliveryGate = {
  check: () => ALLOW,
  done: () => undefined,
};
