/**
 * Time as a dependency. Everything in the controller that reads the time or
 * waits (the timer wheel, poll sleeps, back-off, batching windows, deadlines)
 * takes a Clock, so a test can move time by hand (test/helpers/fakeClock.ts) and
 * assert what happens at 999 ms and at 1,000 ms. systemClock is the one real
 * implementation, and the only place that touches Date.now and setTimeout.
 *
 * What is due is decided by the database clock (NOW(3) in SQL, or DbClock read
 * locally); a host Clock paces the process itself. DbClock is a Clock too: its
 * now() is database time, and it waits on the host clock it is built on.
 */

/** A timer set with Clock.setTimer; only good for clearTimer. */
export interface TimerHandle {
  readonly __timerHandle: unique symbol;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `fn` once, `ms` from now. A `background` timer does not by itself keep
   * the process alive (periodic housekeeping: heartbeats, clock syncs, summaries).
   */
  setTimer(ms: number, fn: () => void, options?: { background?: boolean }): TimerHandle;
  /** Cancels a timer that has not fired; anything else is ignored. */
  clearTimer(handle: TimerHandle | null | undefined): void;
  /** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** sleep() on any clock's timers: what every Clock implementation uses. */
export function sleepOn(
  clock: Pick<Clock, 'setTimer' | 'clearTimer'>,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clock.clearTimer(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimer(ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Whether `promise` settled within `ms` on `clock`; the timer is cleared either way. */
export async function settlesWithin(clock: Clock, promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: TimerHandle | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = clock.setTimer(ms, () => resolve(false));
  });
  try {
    return await Promise.race([promise.then(() => true), deadline]);
  } finally {
    clock.clearTimer(timer);
  }
}

/** The host's clock: the one implementation on Node's globals. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn, options) {
    const timer = setTimeout(fn, Math.max(0, ms));
    if (options?.background) timer.unref();
    return timer as unknown as TimerHandle;
  },
  clearTimer(handle) {
    if (handle) clearTimeout(handle as unknown as NodeJS.Timeout);
  },
  sleep(ms, signal) {
    return sleepOn(systemClock, ms, signal);
  },
};

/** A clock offset from another by a fixed amount: a host whose clock is wrong. Its timers are the base's. */
export function skewedClock(base: Clock, offsetMs: number): Clock {
  return {
    now: () => base.now() + offsetMs,
    setTimer: (ms, fn, options) => base.setTimer(ms, fn, options),
    clearTimer: (handle) => base.clearTimer(handle),
    sleep: (ms, signal) => base.sleep(ms, signal),
  };
}
