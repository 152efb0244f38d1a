/**
 * Group commit for writes that arrive concurrently: a flush is made up at the end
 * of the event loop's turn in which the first write arrived (so the requests read
 * in one turn go out together); writes that arrive while `maxConcurrent` flushes
 * are running wait and go out together in the next flush, up to `maxBatch` at a
 * time. Idle, it adds one turn of the loop and no timer; busy, it turns N round
 * trips and N commits into one.
 *
 * Each add() resolves only after the flush holding its item has completed
 * (for an INSERT: committed), and rejects with that flush's error otherwise.
 */
/** What add() reads of a signal: an AbortSignal, or anything shaped like one (the api's request deadline). */
export type CancelSignal = Pick<AbortSignal, 'aborted' | 'reason'>;

export interface CoalescerOptions {
  maxBatch: number;
  maxConcurrent: number;
}

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
  signal?: CancelSignal;
}

export class Coalescer<T> {
  private queue: Waiting<T>[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly options: CoalescerOptions,
  ) {}

  /**
   * An item whose `signal` is aborted before it goes out in a flush is dropped (and
   * rejects with the signal's reason); once flushing, it stays. The signal is read
   * when the next flush is made up, not listened to: an abort listener per item
   * cost more than the rest of the queueing.
   */
  add(item: T, signal?: CancelSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject, signal });
      this.schedule();
    });
  }

  /** The next flush, once what this turn of the loop brings has arrived (setImmediate runs after its I/O). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // eslint-disable-next-line no-restricted-globals -- a turn of the event loop, not a duration: no Clock has it
    setImmediate(() => {
      this.scheduled = false;
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) continue;
      this.running += 1;
      this.flush(batch.map((w) => w.item))
        .then(
          () => batch.forEach((w) => w.resolve()),
          (err: unknown) => batch.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          this.running -= 1;
          this.next();
        });
    }
  }

  /** The next maxBatch waiting items, less the aborted ones (rejected here). */
  private take(): Waiting<T>[] {
    const batch: Waiting<T>[] = [];
    for (const w of this.queue.splice(0, this.options.maxBatch)) {
      if (w.signal?.aborted) w.reject(w.signal.reason);
      else batch.push(w);
    }
    return batch;
  }
}
