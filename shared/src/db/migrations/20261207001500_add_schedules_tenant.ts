/** schedules.tenant: whose schedule it is; every existing schedule becomes the `default` tenant's. */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207001500_add_schedules_tenant';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw(
      "ALTER TABLE schedules ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default' CHECK (length(tenant) <= 64)",
    );
    return;
  }
  await knex.raw(
    "ALTER TABLE schedules ADD COLUMN tenant VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'default'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE schedules DROP COLUMN tenant');
}
