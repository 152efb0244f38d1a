/**
 * timers.owner: who created the timer — `key_<16 hex of the API key's SHA-256>`,
 * or `anonymous` without keys — so MAX_PENDING_PER_KEY can count a key's live
 * timers across every api replica. NULL for timers created before this column.
 * Adding a nullable column is an in-place, metadata-only change on InnoDB.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122000200_add_timers_owner';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE timers ADD COLUMN owner TEXT CHECK (owner IS NULL OR length(owner) <= 64)');
    return;
  }
  await knex.raw('ALTER TABLE timers ADD COLUMN owner VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE timers DROP COLUMN owner');
}
