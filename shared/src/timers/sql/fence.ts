/**
 * `(id, lease_token) IN ((?, ?), …)`: matches only rows still under these exact
 * claims. The same text on both dialects: SQLite reads the list of row values as a
 * VALUES table and still looks each id up in the primary key.
 */
import type { ClaimRef } from '../types';

export function claimFence(claims: readonly ClaimRef[]): { sql: string; bindings: unknown[] } {
  return {
    sql: `(id, lease_token) IN (${claims.map(() => '(?, ?)').join(', ')})`,
    bindings: claims.flatMap((c) => [c.id, c.leaseToken]),
  };
}
