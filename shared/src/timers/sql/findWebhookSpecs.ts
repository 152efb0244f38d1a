/**
 * findWebhookSpecs: what the given timers send (timers.webhook), read when their
 * requests start rather than at the claim, so that a controller holds bodies only
 * for the requests it has open (MAX_IN_FLIGHT), never for the thousands it holds
 * ahead of time (MAX_HELD). Concurrent reads are coalesced into one query.
 *
 * Parameters: ids (timers this controller holds under a lease: firing, so no
 * other write changes them meanwhile). Locks: none (a plain consistent read by
 * primary key). A timer without a row is left out of the answer.
 */
import type { Knex } from 'knex';
import { select } from '../../db/query';
import { decodeWebhookSpec, WebhookSpec } from '../../webhooks/spec';

export async function findWebhookSpecs(
  db: Knex,
  timeoutMs: number,
  ids: readonly string[],
): Promise<Map<string, WebhookSpec>> {
  if (ids.length === 0) return new Map();
  const rows = await select<{ id: string; webhook: string | null }>(
    db,
    timeoutMs,
    `SELECT id, webhook FROM timers WHERE id IN (${ids.map(() => '?').join(', ')})`,
    [...ids],
  );
  return new Map(rows.map((r) => [r.id, decodeWebhookSpec(r.webhook)]));
}
