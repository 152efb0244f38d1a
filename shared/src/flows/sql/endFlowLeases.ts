/**
 * endFlowLeases: frees the parallelism slots of requests whose outcome has been
 * recorded (the controller calls it after the fenced write landed, never before,
 * so the fleet never counts fewer requests in flight than there are).
 *
 * Parameters: timer ids. Locks: those flow_leases rows. A row already gone (its
 * lease expired and another claim cleaned it up) is simply not there.
 */
import type { Knex } from 'knex';
import { write } from '../../db/query';

export async function endFlowLeases(db: Knex, timeoutMs: number, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return write(db, timeoutMs, `DELETE FROM flow_leases WHERE timer_id IN (${ids.map(() => '?').join(', ')})`, ids);
}
