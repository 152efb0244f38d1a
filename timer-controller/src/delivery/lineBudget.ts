/**
 * A bound on how many log lines of one kind a process writes per second. Under
 * it every line is written; over it the lines are counted instead, and the count
 * is reported once when the second is over (`onOver`), so a reader sees each
 * event or knows how many they did not see. Per second windows on the injected
 * clock: a test can say exactly which line is the 101st.
 */
import type { Clock, TimerHandle } from '@timer/shared';

const WINDOW_MS = 1000;

export class LineBudget {
  private windowStart = -Infinity;
  private used = 0;
  private over = 0;
  private report: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    readonly perSecond: number,
    private readonly onOver: (count: number, windowMs: number) => void,
  ) {}

  /** May one more line be written now? If not, it is counted for the report. */
  take(): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= WINDOW_MS) this.roll(now);
    if (this.used < this.perSecond) {
      this.used += 1;
      return true;
    }
    this.over += 1;
    this.report ??= this.clock.setTimer(this.windowStart + WINDOW_MS - now, () => this.roll(this.clock.now()), {
      background: true,
    });
    return false;
  }

  /** Reports what is counted and stops the timer. */
  stop(): void {
    this.roll(this.clock.now());
  }

  private roll(now: number): void {
    this.clock.clearTimer(this.report);
    this.report = null;
    if (this.over > 0) this.onOver(this.over, WINDOW_MS);
    this.over = 0;
    this.used = 0;
    this.windowStart = now;
  }
}
