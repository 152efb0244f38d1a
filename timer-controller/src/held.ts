/**
 * A claimed timer as this process holds it, from the claim to its request: when
 * it is due, and when its lease ends, both on the database clock. The claimer
 * makes one, the wheel keeps it until its moment, delivery sends it while the
 * lease allows.
 */
import type { ClaimedTimer } from '@timer/shared';
import type { DeliveryTrace } from './tracing/deliveryTrace';

export interface Held {
  timer: ClaimedTimer;
  /** When to send (database time, ms). */
  dueMs: number;
  /** Database time after which another controller may take the timer. */
  leaseEndsMs: number;
  /** Its spans, in the trace stored with it; absent with tracing off. */
  trace?: DeliveryTrace;
}
