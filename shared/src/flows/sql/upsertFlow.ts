/**
 * upsertFlow: sets a flow's limits (PUT /flows/{key}), creating its row the first
 * time. The burst is available at once (the rate's TAT is now), and again when
 * the limits change; a pause stays as it was.
 *
 * Parameters: tenant (whose flow it is), key, limits. Locks: the flow's row.
 * The flow's timers already waiting in `timers` are parked by the next ordinary
 * claim that meets them, once the controllers have read the new flow (within a
 * poll interval); from then on only the flow's claim sends them.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';
import type { FlowLimits } from '../types';

export async function upsertFlow(
  db: Knex,
  timeoutMs: number,
  tenant: string,
  key: string,
  limits: FlowLimits,
): Promise<void> {
  const d = dialectOf(db);
  const set = ['parallelism', 'rate', 'burst', 'tokens_at', 'updated_at']
    .map((c) => `${c} = ${d.inserted(c)}`)
    .join(', ');
  await write(
    db,
    timeoutMs,
    `INSERT INTO flows (tenant, flow_key, parallelism, rate, burst, paused, tokens_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 0, ${d.now}, ${d.now}, ${d.now})
     ${d.onConflictUpdate('tenant, flow_key')} ${set}`,
    [tenant, key, limits.parallelism, limits.rate, limits.burst],
  );
}
