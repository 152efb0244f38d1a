/**
 * timers.tenant: whose timer it is. Every existing timer becomes the `default`
 * tenant's, the tenant API_KEYS act in, so old keys keep seeing their timers.
 * On InnoDB, adding a column with a constant default is an instant change.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207001200_add_timers_tenant';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw("ALTER TABLE timers ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default' CHECK (length(tenant) <= 64)");
    return;
  }
  await knex.raw(
    "ALTER TABLE timers ADD COLUMN tenant VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'default'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE timers DROP COLUMN tenant');
}
