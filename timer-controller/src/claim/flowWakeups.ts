/**
 * When each limited flow is claimed next, on this controller's clock. A flow is
 * claimed again at once while a claim came back full; when the next send slot of
 * its rate comes within reach; when an outcome of one of its requests was recorded
 * here or the ordinary claim parked timers (soon()); else a poll interval later
 * (slots freed by other controllers, a resume). An alarm wakes the loop for a flow
 * due before the next poll.
 */
import type { Clock, FlowClaim, TimerHandle } from '@timer/shared';

export class FlowWakeups {
  /** Flow id → host time (ms) of its next claim. */
  private readonly nextAt = new Map<number, number>();
  private alarm: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly pollIntervalMs: number,
    /** Wakes the flow claimer's loop. */
    private readonly wake: () => void,
  ) {}

  /** Keeps exactly these flows (as last listed); a new one is due at once. */
  keep(ids: ReadonlySet<number>): void {
    const now = this.clock.now();
    for (const id of this.nextAt.keys()) if (!ids.has(id)) this.nextAt.delete(id);
    for (const id of ids) if (!this.nextAt.has(id)) this.nextAt.set(id, now);
  }

  /** The flows due for a claim now. */
  due(): number[] {
    const now = this.clock.now();
    return [...this.nextAt].filter(([, at]) => at <= now).map(([id]) => id);
  }

  anyDue(): boolean {
    return this.due().length > 0;
  }

  /** These flows (every one known, without ids) may have capacity now: claim them at once. */
  soon(flowIds?: Iterable<number>): void {
    const now = this.clock.now();
    for (const id of flowIds ?? [...this.nextAt.keys()]) if (this.nextAt.has(id)) this.nextAt.set(id, now);
    this.wake();
  }

  /** After a claim of the flow: when it may find capacity again, by what stopped it. */
  claimed(flowId: number, claim: Pick<FlowClaim<unknown>, 'stoppedBy' | 'nextTokenMs'>): void {
    const now = this.clock.now();
    switch (claim.stoppedBy) {
      case 'room':
        this.nextAt.set(flowId, now);
        return;
      case 'rate':
        this.nextAt.set(flowId, now + (claim.nextTokenMs ?? this.pollIntervalMs));
        return;
      default:
        // Empty, paused or at its parallelism: a recorded outcome, a parking or the next poll brings it back.
        this.nextAt.set(flowId, now + this.pollIntervalMs);
    }
  }

  /** Wakes the loop for the soonest flow due before the next poll. */
  arm(): void {
    this.disarm();
    const inMs = Math.min(...this.nextAt.values()) - this.clock.now();
    if (inMs > 0 && inMs < this.pollIntervalMs) this.alarm = this.clock.setTimer(inMs, () => this.wake());
  }

  disarm(): void {
    if (this.alarm) this.clock.clearTimer(this.alarm);
    this.alarm = null;
  }
}
