/**
 * The wheel: holds claimed timers until their millisecond comes, then hands them
 * on to delivery, in due order. One timer (on the injected clock) is armed for
 * the earliest due moment. Due is judged on the database clock's earliest
 * possible reading, so an uncertain offset makes a webhook a millisecond late,
 * never early.
 *
 * The wheel owns what it holds: a timer can be taken out by id before its moment
 * (a PATCH or cancel asks the controller to give it back); once handed on, the
 * wheel asks delivery whether its request has started.
 */
import type { ClaimedTimer, DbClock, TimerHandle } from '@timer/shared';
import type { Held } from '../held';
import { MinHeap } from './minHeap';

/** Where due timers go (delivery), and what it says about one it was handed. */
export interface WheelSink {
  /** Timers whose moment has come, earliest first. */
  take(due: Held[]): void;
  /** Takes back a timer whose request has not started. */
  withdraw(id: string): Removal;
}

export type Removal =
  | { outcome: 'removed'; held: Held }
  /** Its request has started (or may have): it cannot be taken back. */
  | { outcome: 'started' }
  | { outcome: 'not_held' };

export class Wheel {
  private readonly heap = new MinHeap<Held>((h) => h.dueMs);
  /** What the wheel holds, by timer id; a heap entry not in here was removed. */
  private readonly held = new Map<string, Held>();
  private armed: TimerHandle | null = null;
  private armedFor = Infinity;
  private stopped = false;

  constructor(
    private readonly dbClock: DbClock,
    private readonly sink: WheelSink,
  ) {}

  /** Takes claimed timers; any already due go on at once. */
  hold(timers: Held[]): void {
    for (const h of timers) {
      this.held.set(h.timer.id, h);
      this.heap.push(h);
    }
    this.tick();
  }

  /** Takes a timer out by id: from the wheel if it waits for its moment, else from delivery if not yet started. */
  remove(id: string): Removal {
    const held = this.held.get(id);
    if (!held) return this.sink.withdraw(id);
    this.held.delete(id);
    if (this.held.size === 0) this.clearHeap();
    return { outcome: 'removed', held };
  }

  get size(): number {
    return this.held.size;
  }

  ids(): IterableIterator<string> {
    return this.held.keys();
  }

  /** Stops the wheel and returns every timer it still holds (to be handed back). */
  drain(): ClaimedTimer[] {
    this.stopped = true;
    this.disarm();
    const timers = [...this.held.values()].map((h) => h.timer);
    this.held.clear();
    this.heap.drain();
    return timers;
  }

  private tick(): void {
    const now = this.dbClock.earliestNow();
    const due: Held[] = [];
    for (let next = this.heap.peek(); next && next.dueMs <= now; next = this.heap.peek()) {
      this.heap.pop();
      // A removed timer leaves its heap entry behind; it is skipped here.
      if (this.held.get(next.timer.id) !== next) continue;
      this.held.delete(next.timer.id);
      due.push(next);
    }
    if (due.length > 0) this.sink.take(due);
    this.arm();
  }

  private arm(): void {
    const next = this.heap.peek();
    if (!next || this.stopped) return this.disarm();
    if (this.armed && this.armedFor <= next.dueMs) return;
    this.disarm();
    this.armedFor = next.dueMs;
    const delay = Math.max(0, Math.ceil(next.dueMs - this.dbClock.earliestNow()));
    this.armed = this.dbClock.setTimer(delay, () => {
      this.armed = null;
      this.armedFor = Infinity;
      this.tick();
    });
  }

  private disarm(): void {
    this.dbClock.clearTimer(this.armed);
    this.armed = null;
    this.armedFor = Infinity;
  }

  /** With nothing held, the heap holds only removed entries: drop them. */
  private clearHeap(): void {
    this.heap.drain();
    this.disarm();
  }
}
