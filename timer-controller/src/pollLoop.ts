/**
 * One poll loop, small and boring: run an iteration, sleep `interval − elapsed`
 * (or not at all when the iteration says there is more), back off on errors
 * instead of spinning, and let stop() wait for the iteration that is running.
 */
import { Clock, sleep } from '@timer/shared';

export type IterationResult = 'again' | 'idle';

export interface PollLoopOptions {
  intervalMs: number;
  clock: Clock;
  iterate: () => Promise<IterationResult>;
  /** Called with the error and how many iterations in a row failed; returns the delay before the next. */
  onError: (err: unknown, failures: number) => number;
}

export class PollLoop {
  private running: Promise<void> | null = null;
  private stopped = new AbortController();
  private napping: AbortController | null = null;

  constructor(private readonly options: PollLoopOptions) {}

  start(): void {
    if (this.running) return;
    this.stopped = new AbortController();
    this.running = this.run();
  }

  /** Cuts the current sleep short: something happened that may make work available. */
  wake(): void {
    this.napping?.abort();
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    this.wake();
    await this.running;
    this.running = null;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped.signal.aborted) {
      const startedAt = this.options.clock.now();
      let delayMs: number;
      try {
        const result = await this.options.iterate();
        failures = 0;
        delayMs = result === 'again' ? 0 : this.options.intervalMs - (this.options.clock.now() - startedAt);
      } catch (err) {
        failures += 1;
        delayMs = this.options.onError(err, failures);
      }
      if (delayMs > 0 && !this.stopped.signal.aborted) await this.nap(delayMs);
    }
  }

  private async nap(ms: number): Promise<void> {
    this.napping = new AbortController();
    const onStop = () => this.napping?.abort();
    this.stopped.signal.addEventListener('abort', onStop, { once: true });
    await sleep(ms, this.napping.signal);
    this.stopped.signal.removeEventListener('abort', onStop);
    this.napping = null;
  }
}
