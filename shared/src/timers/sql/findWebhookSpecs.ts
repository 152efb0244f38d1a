/**
 * findWebhookSpecs: what the given timers send (timers.webhook), read when their
 * requests start rather than at the claim, so that a controller holds bodies only
 * for the requests it has open (MAX_IN_FLIGHT), never for the thousands it holds
 * ahead of time (MAX_HELD). Concurrent reads are coalesced into one query.
 *
 * Parameters: ids (timers this controller holds under a lease: firing, so no
 * other write changes them meanwhile; a PATCH through the api first takes the
 * timer back from this controller, which can only happen before this read, while
 * its request has not started). Locks: none (a plain consistent read by
 * primary key). A timer without a row is left out of the answer; one whose sealed
 * value does not open (atRest.ts) answers the DataKeyError, failing only that timer.
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { DataKeyError } from '../../crypto/dataKeys';
import { select } from '../../db/query';
import { decodeWebhookSpec, WebhookSpec } from '../../webhooks/spec';

export async function findWebhookSpecs(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  ids: readonly string[],
): Promise<Map<string, WebhookSpec | DataKeyError>> {
  if (ids.length === 0) return new Map();
  const rows = await select<{ id: string; tenant: string; webhook: string | null }>(
    db,
    timeoutMs,
    `SELECT id, tenant, webhook FROM timers WHERE id IN (${ids.map(() => '?').join(', ')})`,
    [...ids],
  );
  return new Map<string, WebhookSpec | DataKeyError>(
    rows.map((r) => {
      try {
        return [r.id, decodeWebhookSpec(atRest.openWebhook(r.webhook, r.tenant))];
      } catch (err) {
        if (err instanceof DataKeyError) return [r.id, err];
        throw err;
      }
    }),
  );
}
