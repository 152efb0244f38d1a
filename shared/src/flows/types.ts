/** A flow's limits, as set with PUT /flows/{key}; null: no such limit. */
export interface FlowLimits {
  /** Most requests of the flow in flight at once, across the fleet. */
  parallelism: number | null;
  /** Requests a second, across the fleet. */
  rate: number | null;
  /** How many requests may leave at once after a quiet spell (the rate's bucket). */
  burst: number | null;
}

/** A configured flow as the store returns it. */
export interface FlowRecord extends FlowLimits {
  /** The tenant it belongs to: it limits that tenant's timers only. */
  tenant: string;
  key: string;
  paused: boolean;
  /** Timers of this flow due and waiting for capacity (or for a resume). */
  waiting: number;
  /** Requests of this flow the fleet may have in flight now. */
  inFlight: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What a controller needs to know of a configured flow: which timers are its own. */
export interface FlowEntry {
  id: number;
  tenant: string;
  key: string;
}

/** One claim of a limited flow: what it took, and why it did not take more. */
export interface FlowClaim<T> {
  timers: T[];
  /** `paused`, `parallelism` or `rate` when the flow had no capacity left; `empty` when nothing more was due. */
  stoppedBy: 'paused' | 'parallelism' | 'rate' | 'empty' | 'room';
  /** With `rate`: milliseconds until the next send slot is within reach of a claim. */
  nextTokenMs: number | null;
  /** The database's now when the claim read the flow. */
  readAt: Date | null;
  /** With `rate`: each timer's send slot (database time), in the order of `timers`; null: send at once. */
  sendAt: Date[] | null;
}

/** The burst used when a rate is set without one: a tenth of a second's worth, at least 1. */
export function defaultBurst(rate: number): number {
  return Math.max(1, Math.ceil(rate / 10));
}

/**
 * The tenant column of a default limit of an origin (FLOW_DEFAULTS): not a tenant
 * name (TENANT_NAME has no `*`), so no key acts in it and no tenant's flow is it.
 */
export const ORIGIN_DEFAULTS_TENANT = '*';
