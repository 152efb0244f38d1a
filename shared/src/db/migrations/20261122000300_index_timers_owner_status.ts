/**
 * The index behind countLiveTimers: a key's pending and firing timers are one
 * short range of (owner, status), however many timers the table holds.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122000300_index_timers_owner_status';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX timers_owner_status ON timers (owner, status)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite' ? 'DROP INDEX timers_owner_status' : 'DROP INDEX timers_owner_status ON timers',
  );
}
