/**
 * The timers delivery has taken and not started: due and in line for a request
 * slot (oldest due first), or held back by the gate until a timer on the
 * injected clock puts them back in line. Either can still be withdrawn, or
 * handed back on shutdown, because no request of theirs has started.
 */
import type { Clock, TimerHandle } from '@timer/shared';
import type { Held } from '../held';
import { Queue } from './queue';

export class Unstarted {
  private readonly inLine = new Queue<Held>();
  /** Timers the gate asked to wait, with the timer that puts each back in line. */
  private readonly heldBack = new Map<string, { held: Held; timer: TimerHandle }>();

  constructor(private readonly clock: Clock) {}

  /** Due: waits for a request slot behind those already in line. */
  enqueue(held: Held): void {
    this.inLine.push(held);
  }

  /** The first in line for a slot. */
  next(): Held | undefined {
    return this.inLine.shift();
  }

  get queuedCount(): number {
    return this.inLine.length;
  }

  /** The gate asked the timer to wait `ms`: then it goes back in line, and `back` is called. */
  holdBack(held: Held, ms: number, back: () => void): void {
    const timer = this.clock.setTimer(ms, () => {
      this.heldBack.delete(held.timer.id);
      this.inLine.push(held);
      back();
    });
    this.heldBack.set(held.timer.id, { held, timer });
  }

  /** Takes one timer out, whether in line or held back. */
  remove(id: string): Held | undefined {
    const heldBack = this.heldBack.get(id);
    if (heldBack) {
      this.clock.clearTimer(heldBack.timer);
      this.heldBack.delete(id);
      return heldBack.held;
    }
    return this.inLine.remove((h) => h.timer.id === id);
  }

  /** Takes every timer out, to be handed back. */
  drain(): Held[] {
    for (const { timer } of this.heldBack.values()) this.clock.clearTimer(timer);
    const unsent = [...this.inLine.drain(), ...[...this.heldBack.values()].map((w) => w.held)];
    this.heldBack.clear();
    return unsent;
  }

  get size(): number {
    return this.inLine.length + this.heldBack.size;
  }

  ids(): string[] {
    return [...this.inLine.values().map((h) => h.timer.id), ...this.heldBack.keys()];
  }
}
