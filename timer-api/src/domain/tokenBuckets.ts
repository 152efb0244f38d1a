/**
 * The api's request rate limit: one token bucket per client (API key, or address
 * when the api has no keys). A bucket holds up to `burst` tokens and refills at
 * `ratePerSecond`; a request takes one. Written out rather than taken from a
 * library because the whole rule is the few lines of `take`, it runs on an
 * injected clock (tests move time by hand), and it needs no timers.
 *
 * Buckets live in this process: with several api processes each applies the
 * limit on its own, so a client may reach the rate times the number of processes.
 */
import type { Clock } from '@timer/shared';

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  // Map order is insertion order; touching a bucket re-inserts it, so the first is the least recent.
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
    /** Memory bound: past this, the least recently used bucket goes (a forgotten bucket is a full one). */
    private readonly maxClients = 100_000,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('TokenBuckets needs a rate > 0 and a burst >= 1');
  }

  /** Takes a token for `client`: 0 when granted, else the milliseconds until one will be there. */
  take(client: string): number {
    const now = this.clock.now();
    const bucket = this.buckets.get(client);
    let tokens = this.burst;
    if (bucket) {
      this.buckets.delete(client);
      tokens = Math.min(this.burst, bucket.tokens + (Math.max(0, now - bucket.at) * this.ratePerSecond) / 1000);
    } else if (this.buckets.size >= this.maxClients) {
      this.buckets.delete(this.buckets.keys().next().value as string);
    }
    const granted = tokens >= 1;
    this.buckets.set(client, { tokens: granted ? tokens - 1 : tokens, at: now });
    // The epsilon keeps float dust (0.998 tokens → 1.0000000000000009 ms) from adding a millisecond.
    return granted ? 0 : Math.ceil(((1 - tokens) * 1000) / this.ratePerSecond - 1e-9);
  }

  get size(): number {
    return this.buckets.size;
  }
}
