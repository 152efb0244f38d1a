export const TIMER_STATUSES = ['pending', 'firing', 'fired', 'failed', 'canceled'] as const;
export type TimerStatus = (typeof TIMER_STATUSES)[number];

/** A timer as the store returns it to the api. */
export interface TimerRecord {
  id: string;
  url: string;
  status: TimerStatus;
  fireAt: Date;
  createdAt: Date;
  firedAt: Date | null;
  attempts: number;
  lastError: string | null;
  /** The schedule this timer is an occurrence of; null for a timer created with POST /timers. */
  scheduleId: string | null;
  /** Milliseconds from the database's now to fire_at (negative once due). */
  msLeft: number;
}

/** A timer a controller holds under a lease: what it needs to deliver it and record the outcome. */
export interface ClaimedTimer {
  id: string;
  url: string;
  fireAt: Date;
  /** When to send: fire_at for the first attempt, the retry time for later ones. */
  dueAt: Date;
  /** 1 for the first delivery attempt, 2 for the first retry, … */
  attempt: number;
  /** Grows with every claim of this timer: fences this claim's updates against later ones. */
  leaseToken: number;
}

/** The fence of one claim: an update made under it only lands while the claim is current. */
export interface ClaimRef {
  id: string;
  leaseToken: number;
}

export type CancelResult =
  | { outcome: 'canceled'; timer: TimerRecord }
  | { outcome: 'not_found' }
  | { outcome: 'not_cancelable'; timer: TimerRecord };
