/**
 * Who is calling: the API key a request proved it holds (by the key's id, never the
 * key), or, when the api has no keys, nobody in particular.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface Client {
  /** Whose request budget a request spends: the key's id, or the caller's address without keys. */
  readonly rateKey: string;
  /** Who owns the timers it creates (MAX_PENDING_PER_KEY): the key's id, or `anonymous` without keys. */
  readonly owner: string;
}

export const ANONYMOUS_OWNER = 'anonymous';

/** A key's id: a prefix of its digest, safe to log and to store, useless for calling the api. */
export function keyIdOf(digestHex: string): string {
  return `key_${digestHex.slice(0, 16)}`;
}

export class ApiKeys {
  private readonly keys: ReadonlyArray<{ id: string; digest: Buffer }>;

  constructor(digestsHex: readonly string[]) {
    this.keys = digestsHex.map((hex) => ({ id: keyIdOf(hex), digest: Buffer.from(hex, 'hex') }));
  }

  get size(): number {
    return this.keys.length;
  }

  /**
   * The id of the key presented, or null. The presented key is hashed first, so
   * every comparison is between two 32-byte digests; timingSafeEqual runs against
   * every configured key, whether or not an earlier one matched, so the time
   * taken says nothing about which key (or how much of one) was right.
   */
  match(presented: string): string | null {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: string | null = null;
    for (const key of this.keys) {
      if (timingSafeEqual(digest, key.digest) && found === null) found = key.id;
    }
    return found;
  }
}
