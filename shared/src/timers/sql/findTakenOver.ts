/**
 * findTakenOver: which of these claims another controller has taken since.
 *
 * A fenced outcome write that changed fewer rows than it had claims does not by
 * itself mean leases were lost: when the connection dropped after the database
 * committed an earlier try, the retry finds the rows already written. A claim
 * is lost only when the row's lease_token has moved on (every claim bumps it;
 * outcome writes and releases leave it as it is).
 *
 * Parameters: claims (id + lease_token). Locks: nothing (a plain read).
 */
import type { Knex } from 'knex';
import { select } from '../../db/query';
import type { ClaimRef } from '../types';

export async function findTakenOver(db: Knex, timeoutMs: number, claims: readonly ClaimRef[]): Promise<string[]> {
  if (claims.length === 0) return [];
  const rows = await select<{ id: string; lease_token: number | string }>(
    db,
    timeoutMs,
    `SELECT id, lease_token FROM timers WHERE id IN (${claims.map(() => '?').join(', ')})`,
    claims.map((c) => c.id),
  );
  const tokens = new Map(rows.map((r) => [r.id, Number(r.lease_token)]));
  return claims.filter((c) => tokens.get(c.id) !== c.leaseToken).map((c) => c.id);
}
