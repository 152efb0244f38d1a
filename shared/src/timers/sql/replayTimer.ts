/**
 * replayTimer: POST /timers/{id}/retry. A failed timer goes back to pending, due
 * now on the database clock, for a new series of attempts: `attempts` restarts at
 * 0 (the retry policy counts it afresh) and the attempts of earlier series move to
 * prior_attempts, so the numbers in the delivery history go on where they stopped.
 * fired_at, last_error and the history are kept; lease_token is never reset, so
 * the next claim still fences out any straggler of an earlier one.
 *
 * A replay raises the version: what is sent next is a new delivery series.
 *
 * Parameters: id, version (the one the api read, and If-Match compared), tenant
 * (null: any; otherwise another tenant's timer is not found, as an unknown one). Locks:
 * the timer's row, for the length of the UPDATE. The `status = 'failed'` and
 * version conditions make it race-free against a concurrent replay or change
 * (one changes the row, the other matches nothing and reads it again) and
 * against the retention cleanup, which deletes only rows it has locked.
 *
 * `trace`: the context of the span that replays it (null with tracing off: the
 * stored context stays). The new series of deliveries continues the replay's
 * trace, and links to the creation, whose context moves to trace_link. MySQL
 * assigns left to right, reading columns already assigned; SQLite reads the old
 * row throughout: trace_link comes first, so both copy the old trace_parent.
 *
 * `labelled` (false: the timer has no labels; absent: not known): a labelled
 * timer's label rows go back to outcome NULL (live) in the same transaction
 * (labelOutcome.ts); an unlabelled one is the one UPDATE, as ever.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';
import type { TraceContext } from '../../tracing/tracing';
import type { ReplayResult } from '../types';
import type { AtRest } from '../../crypto/atRest';
import { findTimer, TenantView } from './findTimers';
import { updateWithLabelOutcome } from './labelOutcome';

export async function replayTimer(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  version: number,
  tenant: TenantView = null,
  trace: TraceContext | null = null,
  labelled?: boolean,
): Promise<ReplayResult> {
  const d = dialectOf(db);
  const retrace = trace ? ', trace_link = trace_parent, trace_parent = ?, trace_state = ?' : '';
  const replay = (q: Knex | Knex.Transaction) =>
    write(
      q,
      timeoutMs,
      `UPDATE timers
       SET status = 'pending', due_at = ${d.now}, prior_attempts = prior_attempts + attempts, attempts = 0,
           locked_by = NULL, version = version + 1, updated_at = ${d.now}${retrace}
       WHERE id = ? AND status = 'failed' AND version = ?${tenant === null ? '' : ' AND tenant = ?'}`,
      [...(trace ? [trace.traceparent, trace.tracestate] : []), id, version, ...(tenant === null ? [] : [tenant])],
    );
  const changed = await updateWithLabelOutcome(db, timeoutMs, { id, labelled }, null, replay);
  const timer = await findTimer(db, timeoutMs, atRest, id, tenant);
  if (!timer) return { outcome: 'not_found' };
  if (changed === 1) return { outcome: 'replayed', timer };
  return { outcome: 'moved', timer };
}
