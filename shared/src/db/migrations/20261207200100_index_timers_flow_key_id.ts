/**
 * timers_flow_key_id (flow_key, id): GET /timers?flow=… lists a flow's timers
 * (its own flow_key, or the origin the api resolved at creation) newest first by
 * id, one backward range of this index from the cursor. The tenant and status are
 * checked on each row of the range: a flow key is usually an origin, which
 * several tenants may send to. flow_key never changes after the INSERT, so
 * claims and outcomes never touch this index; each INSERT adds one entry.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207200100_index_timers_flow_key_id';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX timers_flow_key_id ON timers (flow_key, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    dialectOf(knex).name === 'sqlite' ? 'DROP INDEX timers_flow_key_id' : 'DROP INDEX timers_flow_key_id ON timers',
  );
}
