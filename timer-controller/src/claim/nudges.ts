/**
 * Where a nudge arrives: the api's POST /nudge (a timer due before the next
 * poll), or a schedule's occurrence created due soon. A nudge only asks for an
 * early poll, so a flood of them must not become a flood of claims: at most one
 * early poll is on its way at a time, and early polls start at least
 * `minSpacingMs` apart (a nudge inside that spacing is served by one poll at its
 * end). A nudge never cuts a back-off short (PollLoop).
 */
import type { Clock, TimerHandle } from '@timer/shared';

export class Nudges {
  private lastPollAt = -Infinity;
  private scheduled: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly minSpacingMs: number,
    /** Starts a poll now (or right after the one running). */
    private readonly poll: () => void,
  ) {}

  nudge(): void {
    if (this.stopped || this.scheduled) return;
    const waitMs = this.lastPollAt + this.minSpacingMs - this.clock.now();
    if (waitMs <= 0) return this.pollNow();
    this.scheduled = this.clock.setTimer(waitMs, () => {
      this.scheduled = null;
      this.pollNow();
    });
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimer(this.scheduled);
    this.scheduled = null;
  }

  private pollNow(): void {
    this.lastPollAt = this.clock.now();
    this.poll();
  }
}
