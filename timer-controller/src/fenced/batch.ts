/**
 * Claims whose outcome is the same write, gathered for a few milliseconds and
 * written together: one UPDATE (and one INSERT of their attempts) for everything
 * delivered in that window, instead of one transaction each. The window is a
 * timer on the injected clock; a full batch writes at once.
 *
 * At most `maxConcurrent` of a batch's writes are under way at once; a flush that
 * finds them all taken waits for the first to end, and then carries everything
 * gathered meanwhile. So a
 * database that slows down gets fewer, larger transactions instead of more of
 * them, and the pooled connections stay free for the claims and the reads.
 * drain() writes everything at once, whatever is under way.
 */
import type { AttemptRecord, ClaimRef, Clock, TimerHandle } from '@timer/shared';
import type { OnRecorded } from './writesUnderWay';

interface Entry {
  claim: ClaimRef;
  attempt?: AttemptRecord;
  recorded?: OnRecorded;
}

export type BatchWrite = (claims: ClaimRef[], attempts: AttemptRecord[], recorded: OnRecorded[]) => Promise<void>;

export class Batch {
  private entries: Entry[] = [];
  private timer: TimerHandle | null = null;
  private underWay = 0;
  /** A flush found every write slot taken: the next write to end makes it. */
  private blocked = false;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly maxSize: number,
    private readonly write: BatchWrite,
    private readonly maxConcurrent = 2,
  ) {}

  add(claim: ClaimRef, attempt?: AttemptRecord, recorded?: OnRecorded): void {
    this.entries.push({ claim, attempt, recorded });
    if (this.entries.length >= this.maxSize) this.flush();
    else this.timer ??= this.clock.setTimer(this.windowMs, () => this.flush());
  }

  /** Writes what is gathered, in writes of at most maxSize, as far as the writes under way allow (all: `force`). */
  flush(force = false): void {
    this.clock.clearTimer(this.timer);
    this.timer = null;
    while (this.entries.length > 0 && (force || this.underWay < this.maxConcurrent)) {
      const part = this.entries.splice(0, this.maxSize);
      this.underWay++;
      void this.write(
        part.map((e) => e.claim),
        part.flatMap((e) => e.attempt ?? []),
        part.flatMap((e) => e.recorded ?? []),
      ).finally(() => {
        this.underWay--;
        // What waited for a write to end goes now; what merely came meanwhile waits for its window.
        if (this.blocked) this.flush();
      });
    }
    this.blocked = this.entries.length > 0;
  }

  get size(): number {
    return this.entries.length;
  }

  ids(): string[] {
    return this.entries.map((e) => e.claim.id);
  }
}
