/**
 * A Clock that moves only when a test moves it. Timers fire in order of their
 * moment as time passes over them, and after each one the promise callbacks it
 * set off run before the next fires, so a test can say "at 999 ms nothing was
 * sent; at 1,000 ms it was" and mean it. Nothing here sleeps on real time.
 */
import { Clock, sleepOn, TimerHandle } from '@timer/shared';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(start = Date.parse('2030-01-01T00:00:00.000Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const seq = ++this.seq;
    this.pending.set(seq, { at: this.current + Math.max(0, ms), seq, fn });
    return seq as unknown as TimerHandle;
  }

  clearTimer(handle: TimerHandle | null | undefined): void {
    if (handle !== null && handle !== undefined) this.pending.delete(handle as unknown as number);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /**
   * Moves time forward by `ms`. Every timer due on the way fires at its own
   * moment (now() reads that moment inside it), earliest first, and what it sets
   * off runs before the next; a timer set on the way fires too if it falls
   * within `ms`.
   */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    await settle();
    for (let next = this.earliest(); next && next.at <= until; next = this.earliest()) {
      this.pending.delete(next.seq);
      this.current = Math.max(this.current, next.at);
      next.fn();
      await settle();
    }
    this.current = until;
    await settle();
  }

  /** Moves time to the next timer's moment and fires what is due then; false when no timer is set. */
  async next(): Promise<boolean> {
    const next = this.earliest();
    if (!next) return false;
    await this.advance(next.at - this.current);
    return true;
  }

  /** Lets every promise callback that is ready run, without moving time. */
  settle(): Promise<void> {
    return settle();
  }

  /** How many timers are set and have not fired. */
  get timers(): number {
    return this.pending.size;
  }

  /** Milliseconds until the earliest timer fires (null: none set). */
  nextIn(): number | null {
    const next = this.earliest();
    return next ? next.at - this.current : null;
  }

  private earliest(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending.values()) {
      if (!best || p.at < best.at || (p.at === best.at && p.seq < best.seq)) best = p;
    }
    return best;
  }
}

/** Runs the microtask queue dry (a macrotask turn drains it), a few times over for chains that hop. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
