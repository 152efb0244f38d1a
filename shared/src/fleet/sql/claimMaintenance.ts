/**
 * claimMaintenance: decides which controller runs a periodic job (the retention
 * cleanup) this time round, so that exactly one does, however many race.
 *
 * Parameters: name (the job), runner (controller id), intervalMs. Two statements:
 *   1. make sure the job's row exists (an upsert that changes nothing when it
 *      does; a new row counts as never run);
 *   2. `UPDATE … SET last_run_at = now WHERE name = ? AND last_run_at <= now -
 *      interval`. The UPDATE locks the row; a second racer waits for the first
 *      to commit, re-reads it, finds last_run_at fresh, and changes nothing.
 * Returns true for the one caller whose UPDATE changed the row: it runs the job.
 * Times are on the database clock, so hosts with skewed clocks agree.
 * SQLite: one process, one connection; the same statements, one after the other.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';

export async function claimMaintenance(
  db: Knex,
  timeoutMs: number,
  job: { name: string; runner: string; intervalMs: number },
): Promise<boolean> {
  const d = dialectOf(db);
  await write(
    db,
    timeoutMs,
    `INSERT INTO maintenance (name, last_run_at, run_by) VALUES (?, ?, NULL)
     ${d.onConflictUpdate('name')} name = ${d.inserted('name')}`,
    [job.name, new Date(0)],
  );
  const changed = await write(
    db,
    timeoutMs,
    `UPDATE maintenance SET last_run_at = ${d.now}, run_by = ?
     WHERE name = ? AND last_run_at <= ${d.minus(d.now)}`,
    [job.runner, job.name, d.duration(job.intervalMs)],
  );
  return changed === 1;
}
