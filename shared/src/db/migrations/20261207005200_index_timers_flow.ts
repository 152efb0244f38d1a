/**
 * timers_flow (flow_id, flow_due_at): a limited flow's claim reads its waiting
 * timers oldest first (`flow_id = ? AND flow_due_at <= now ORDER BY flow_due_at`),
 * one range of this index. Status is left out on purpose: a timer of a flow
 * without limits has (NULL, NULL) here for its whole life, so its claim and
 * outcome updates never touch this index (only its INSERT adds the entry).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207005200_index_timers_flow';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX timers_flow ON timers (flow_id, flow_due_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(dialectOf(knex).name === 'sqlite' ? 'DROP INDEX timers_flow' : 'DROP INDEX timers_flow ON timers');
}
