/**
 * The requests delivery has started and not finished, one Attempt each. A timer
 * here cannot be taken back: its request may already be on the wire. On
 * shutdown they get a grace period to finish; those still running then are
 * aborted, and each Attempt hands its timer back itself (releaseAbandoned).
 */
import { settlesWithin } from '@timer/shared';
import type { ClaimedTimer, Clock } from '@timer/shared';
import type { Attempt } from './attempt';

export class InFlight {
  private readonly flights = new Map<string, { attempt: Attempt; done: Promise<void> }>();

  constructor(private readonly clock: Clock) {}

  /** Runs the attempt; `finished` is called once it is over and its slot is free. */
  start(attempt: Attempt, finished: () => void): void {
    const { id } = attempt.timer;
    const flight = { attempt, done: Promise.resolve() };
    this.flights.set(id, flight);
    flight.done = attempt.run().then(() => {
      this.flights.delete(id);
      finished();
    });
  }

  has(id: string): boolean {
    return this.flights.has(id);
  }

  get size(): number {
    return this.flights.size;
  }

  ids(): string[] {
    return [...this.flights.keys()];
  }

  /**
   * Waits up to `graceMs` for every request to finish; then aborts those still
   * running and waits for them to wind up. Returns the timers abandoned, or
   * null when all finished in time.
   */
  async finish(graceMs: number): Promise<ClaimedTimer[] | null> {
    const allDone = () => Promise.all([...this.flights.values()].map((f) => f.done));
    if (await settlesWithin(this.clock, allDone(), graceMs)) return null;
    const abandoned = [...this.flights.values()].map((f) => f.attempt);
    for (const attempt of abandoned) attempt.abandon();
    await allDone();
    return abandoned.map((a) => a.timer);
  }
}
