/**
 * One poll loop, small and boring: run an iteration, sleep `interval − elapsed`
 * (or not at all when the iteration says there is more), back off on errors
 * instead of spinning, and let stop() wait for the iteration that is running.
 * The claimer, the occurrence loop and the cleanup each run one; all of them
 * sleep on the injected clock.
 */
import type { Clock } from '@timer/shared';

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
  /** Set by wake() during an iteration: the next one starts at once. */
  private woken = false;

  constructor(private readonly options: PollLoopOptions) {}

  start(): void {
    if (this.running) return;
    this.stopped = new AbortController();
    this.running = this.run();
  }

  /** Cuts the current sleep short: something happened that may make work available. */
  wake(): void {
    this.woken = true;
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
      this.woken = false;
      try {
        const result = await this.options.iterate();
        failures = 0;
        if (result === 'again' || this.woken) continue;
        await this.nap(this.options.intervalMs - (this.options.clock.now() - startedAt), true);
      } catch (err) {
        failures += 1;
        // A back-off is not cut short by wake(): nudges must not turn it into a spin.
        await this.nap(this.options.onError(err, failures), false);
      }
    }
  }

  private async nap(ms: number, wakeable: boolean): Promise<void> {
    if (ms <= 0 || this.stopped.signal.aborted) return;
    const napping = new AbortController();
    if (wakeable) this.napping = napping;
    const onStop = () => napping.abort();
    this.stopped.signal.addEventListener('abort', onStop, { once: true });
    await this.options.clock.sleep(ms, napping.signal);
    this.stopped.signal.removeEventListener('abort', onStop);
    if (this.napping === napping) this.napping = null;
  }
}
