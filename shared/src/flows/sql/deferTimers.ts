/**
 * deferTimers: moves due timers whose origin asked the fleet to wait (Retry-After,
 * or an open circuit breaker) to the time they may go, unsent: no attempt is
 * counted, the lease is dropped. `column` is due_at for the ordinary claim and
 * flow_due_at for a limited flow's (its place in the flow's queue).
 *
 * Parameters: column, ids, until (a database time) or forMs (from now). Run in the
 * claim's transaction, on rows it has just locked. A row found with an expired
 * lease keeps the dead claim's attempt counted, as in parkTimers.ts.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';

export async function deferTimers(
  trx: Knex.Transaction,
  timeoutMs: number,
  column: 'due_at' | 'flow_due_at',
  ids: readonly string[],
  when: { until: Date } | { forMs: number },
): Promise<number> {
  if (ids.length === 0) return 0;
  const d = dialectOf(trx);
  const [value, binding] = 'until' in when ? ['?', when.until] : [d.plus(d.now), d.duration(when.forMs)];
  return write(
    trx,
    timeoutMs,
    `UPDATE timers SET status = 'pending', locked_by = NULL, ${column} = ${value}, updated_at = ${d.now}
     WHERE id IN (${ids.map(() => '?').join(', ')})`,
    [binding, ...ids],
  );
}
