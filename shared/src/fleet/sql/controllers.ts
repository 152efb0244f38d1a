/**
 * registerController / listLiveControllers / removeController: the controllers
 * table. Plain single-row statements on the primary key; no locks worth noting.
 * Heartbeats use the database clock, so hosts with skewed clocks agree on who is
 * live. The upsert's syntax and the time arithmetic come from dialect.ts (MySQL:
 * ON DUPLICATE KEY UPDATE; SQLite: ON CONFLICT (id) DO UPDATE).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';

export async function registerController(
  db: Knex,
  timeoutMs: number,
  controller: { id: string; endpoint: string },
): Promise<void> {
  const d = dialectOf(db);
  await write(
    db,
    timeoutMs,
    `INSERT INTO controllers (id, endpoint, started_at, heartbeat_at) VALUES (?, ?, ${d.now}, ${d.now})
     ${d.onConflictUpdate('id')} endpoint = ${d.inserted('endpoint')}, heartbeat_at = ${d.now}`,
    [controller.id, controller.endpoint],
  );
}

export interface LiveController {
  id: string;
  endpoint: string;
}

export async function listLiveControllers(
  db: Knex,
  timeoutMs: number,
  staleAfterMs: number,
): Promise<LiveController[]> {
  const d = dialectOf(db);
  return select<LiveController>(
    db,
    timeoutMs,
    `SELECT id, endpoint FROM controllers WHERE heartbeat_at > ${d.minus(d.now)}`,
    [d.duration(staleAfterMs)],
  );
}

/** The endpoint of one controller, if its heartbeat is younger than `staleAfterMs`. */
export async function findLiveController(
  db: Knex,
  timeoutMs: number,
  id: string,
  staleAfterMs: number,
): Promise<string | null> {
  const d = dialectOf(db);
  const [row] = await select<{ endpoint: string }>(
    db,
    timeoutMs,
    `SELECT endpoint FROM controllers WHERE id = ? AND heartbeat_at > ${d.minus(d.now)}`,
    [id, d.duration(staleAfterMs)],
  );
  return row?.endpoint ?? null;
}

export async function removeController(db: Knex, timeoutMs: number, id: string): Promise<void> {
  await write(db, timeoutMs, 'DELETE FROM controllers WHERE id = ?', [id]);
}
