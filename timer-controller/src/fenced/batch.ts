/**
 * Claims whose outcome is the same write, gathered for a few milliseconds and
 * written together: one UPDATE (and one INSERT of their attempts) for everything
 * delivered in that window, instead of one transaction each. The window is a
 * timer on the injected clock; a full batch, or drain(), writes at once.
 */
import type { AttemptRecord, ClaimRef, Clock, TimerHandle } from '@timer/shared';
import type { OnRecorded } from './writesUnderWay';

export class Batch {
  private claims: ClaimRef[] = [];
  private attempts: AttemptRecord[] = [];
  private recorded: OnRecorded[] = [];
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly maxSize: number,
    private readonly write: (claims: ClaimRef[], attempts: AttemptRecord[], recorded: OnRecorded[]) => void,
  ) {}

  add(claim: ClaimRef, attempt?: AttemptRecord, recorded?: OnRecorded): void {
    this.claims.push(claim);
    if (attempt) this.attempts.push(attempt);
    if (recorded) this.recorded.push(recorded);
    if (this.claims.length >= this.maxSize) this.flush();
    else this.timer ??= this.clock.setTimer(this.windowMs, () => this.flush());
  }

  flush(): void {
    this.clock.clearTimer(this.timer);
    this.timer = null;
    if (this.claims.length === 0) return;
    const claims = this.claims;
    const attempts = this.attempts;
    const recorded = this.recorded;
    this.claims = [];
    this.attempts = [];
    this.recorded = [];
    this.write(claims, attempts, recorded);
  }

  get size(): number {
    return this.claims.length;
  }

  ids(): string[] {
    return this.claims.map((c) => c.id);
  }
}
