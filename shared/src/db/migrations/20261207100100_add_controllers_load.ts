/**
 * controllers.in_flight and held: what each controller reported on its last
 * heartbeat (requests in flight; claimed timers not yet sent), for the
 * dashboard's fleet view. NULL until a controller of this version beats.
 * Nullable columns: an in-place, metadata-only change on InnoDB.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207100100_add_controllers_load';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE controllers ADD COLUMN in_flight INTEGER NULL');
    await knex.raw('ALTER TABLE controllers ADD COLUMN held INTEGER NULL');
    return;
  }
  await knex.raw('ALTER TABLE controllers ADD COLUMN in_flight INT UNSIGNED NULL, ADD COLUMN held INT UNSIGNED NULL');
}

export async function down(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('ALTER TABLE controllers DROP COLUMN held');
    await knex.raw('ALTER TABLE controllers DROP COLUMN in_flight');
    return;
  }
  await knex.raw('ALTER TABLE controllers DROP COLUMN held, DROP COLUMN in_flight');
}
