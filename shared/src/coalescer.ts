/**
 * Group commit for writes that arrive concurrently: the first write goes out at
 * once; writes that arrive while `maxConcurrent` flushes are running wait and go
 * out together in the next flush, up to `maxBatch` at a time. Idle, it adds no
 * latency; busy, it turns N round trips and N commits into one.
 *
 * Each add() resolves only after the flush holding its item has completed
 * (for an INSERT: committed), and rejects with that flush's error otherwise.
 */
export interface CoalescerOptions {
  maxBatch: number;
  maxConcurrent: number;
}

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
  /** Stops listening for the caller's abort once the item has gone out. */
  settled?: () => void;
}

export class Coalescer<T> {
  private queue: Waiting<T>[] = [];
  private running = 0;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly options: CoalescerOptions,
  ) {}

  /** Aborting `signal` while the item still waits for a flush takes it out; once flushing, it stays. */
  add(item: T, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiting: Waiting<T> = { item, resolve, reject };
      this.queue.push(waiting);
      if (signal) {
        const withdraw = () => {
          const at = this.queue.indexOf(waiting);
          if (at < 0) return;
          this.queue.splice(at, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', withdraw, { once: true });
        waiting.settled = () => signal.removeEventListener('abort', withdraw);
      }
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      batch.forEach((w) => w.settled?.());
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
}
