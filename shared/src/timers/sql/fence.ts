/** `(id, lease_token) IN ((?, ?), …)`: matches only rows still under these exact claims. */
import type { ClaimRef } from '../types';

export function claimFence(claims: readonly ClaimRef[]): { sql: string; bindings: unknown[] } {
  return {
    sql: `(id, lease_token) IN (${claims.map(() => '(?, ?)').join(', ')})`,
    bindings: claims.flatMap((c) => [c.id, c.leaseToken]),
  };
}
