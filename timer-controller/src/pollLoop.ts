/**
 * One poll loop, small and boring: run an iteration, sleep `interval − elapsed`
 * (or not at all when the iteration says there is more), back off on errors
 * instead of spinning, and let stop() wait for the iteration that is running.
 *
 * Two ways to start an iteration early. wake() is this process's own: capacity
 * freed up, start at once. nudge() comes from outside (POST /nudge is open to the
 * controller's network): nudges coalesce into at most one pending early
 * iteration, which starts no sooner than `minNudgeSpacingMs` after the previous
 * one started, so a flood of them costs one iteration per spacing, not one each.
 */
import { Clock, sleep } from '@timer/shared';

export type IterationResult = 'again' | 'idle';

export interface PollLoopOptions {
  intervalMs: number;
  clock: Clock;
  iterate: () => Promise<IterationResult>;
  /** Called with the error and how many iterations in a row failed; returns the delay before the next. */
  onError: (err: unknown, failures: number) => number;
  /** The least time between the start of one iteration and an early one that nudge() asked for. */
  minNudgeSpacingMs?: number;
}

export class PollLoop {
  private running: Promise<void> | null = null;
  private stopped = new AbortController();
  private napping: AbortController | null = null;
  /** Set by wake() during an iteration or a nap: the next one starts at once. */
  private woken = false;
  /** Set by nudge(): the next one starts early, but no sooner than the spacing allows. */
  private nudged = false;

  constructor(private readonly options: PollLoopOptions) {}

  start(): void {
    if (this.running) return;
    this.stopped = new AbortController();
    this.running = this.run();
  }

  /** Cuts the current sleep short: this process has work it can take now. */
  wake(): void {
    this.woken = true;
    this.napping?.abort();
  }

  /** Someone outside asks for an early iteration: coalesced and spaced (see above). */
  nudge(): void {
    this.nudged = true;
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
      this.nudged = false;
      try {
        const result = await this.options.iterate();
        failures = 0;
        if (result === 'again' || this.woken) continue;
        if (!this.nudged) await this.nap(this.options.intervalMs - (this.options.clock.now() - startedAt), true);
        if (this.nudged && !this.woken) {
          await this.nap(startedAt + (this.options.minNudgeSpacingMs ?? 0) - this.options.clock.now(), false);
        }
      } catch (err) {
        failures += 1;
        // A back-off is not cut short by wake() or nudge(): they must not turn it into a spin.
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
    await sleep(ms, napping.signal);
    this.stopped.signal.removeEventListener('abort', onStop);
    if (this.napping === napping) this.napping = null;
  }
}
