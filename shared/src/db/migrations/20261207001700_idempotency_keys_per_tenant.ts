/**
 * Idempotency keys become per tenant: idempotency_keys.owner, which held the id
 * of the API key a request came with, now holds the tenant's name. Every key
 * recorded before is the `default` tenant's (API_KEYS act in it), so a client
 * that repeats a request across the upgrade still gets its first timer back.
 * Where two API keys used the same Idempotency-Key, the newer row is kept.
 * The table holds at most a day of keys (the cleanup deletes older ones).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207001700_idempotency_keys_per_tenant';

interface Row {
  owner: string;
  idem_key: string;
  request_hash: string;
  timer_id: string;
  created_at: unknown;
}

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.transaction(async (trx) => {
    const rows = d.rows(
      await trx.raw("SELECT * FROM idempotency_keys WHERE owner <> 'default' ORDER BY created_at DESC"),
    ) as Row[];
    const kept = new Map<string, Row>();
    for (const row of rows) if (!kept.has(row.idem_key)) kept.set(row.idem_key, row);
    await trx.raw("DELETE FROM idempotency_keys WHERE owner <> 'default'");
    for (const row of kept.values()) {
      await trx.raw(
        `INSERT INTO idempotency_keys (owner, idem_key, request_hash, timer_id, created_at)
         VALUES ('default', ?, ?, ?, ?) ${d.onConflictIgnore('owner, idem_key')}`,
        [row.idem_key, row.request_hash, row.timer_id, row.created_at as Knex.Value],
      );
    }
  });
}

/** The owners of before cannot be told apart any more: the rows stay the default tenant's. */
export async function down(): Promise<void> {}
