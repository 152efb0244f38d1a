/**
 * A new API key: `tk_` and 32 random bytes in base64url (a Bearer token as
 * RFC 6750 spells one), its SHA-256, and its id. 256 bits leave nothing to
 * guess, which is why a plain digest (no salt, no slow hash) is enough to store.
 */
import { randomBytes } from 'node:crypto';
import { keyIdOf } from './client';
import { digestOf } from './keyRing';

export function makeApiKey(): { key: string; digest: string; id: string } {
  const key = `tk_${randomBytes(32).toString('base64url')}`;
  const digest = digestOf(key);
  return { key, digest, id: keyIdOf(digest) };
}

/** The id a revoke names: given as is (key_…), or computed from the key itself. */
export function keyIdFor(idOrKey: string): string {
  return /^key_[0-9a-f]{16}$/.test(idOrKey) ? idOrKey : keyIdOf(digestOf(idOrKey));
}
