/**
 * timers.webhook: what the timer sends when it is not the plain webhook (its own
 * payload or body, headers, method, or the URL as given): the WebhookSpec as
 * JSON text (shared/src/webhooks/spec.ts), NULL for a plain timer. One column,
 * so the request a timer sends is stored, read and replaced as one thing.
 * MEDIUMTEXT: a body of up to MAX_PAYLOAD_BYTES (at most 1 MiB) with its
 * headers fits whatever the escaping. Nullable: in place and instant on InnoDB,
 * and every timer created before it stays plain.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207000100_add_timers_webhook';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite'
      ? 'ALTER TABLE timers ADD COLUMN webhook TEXT NULL'
      : 'ALTER TABLE timers ADD COLUMN webhook MEDIUMTEXT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE timers DROP COLUMN webhook');
}
