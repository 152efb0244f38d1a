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

export async function listLiveControllers(db: Knex, timeoutMs: number, staleAfterMs: number): Promise<string[]> {
  const d = dialectOf(db);
  const rows = await select<{ endpoint: string }>(
    db,
    timeoutMs,
    `SELECT endpoint FROM controllers WHERE heartbeat_at > ${d.minus(d.now)}`,
    [d.duration(staleAfterMs)],
  );
  return rows.map((r) => r.endpoint);
}

export async function removeController(db: Knex, timeoutMs: number, id: string): Promise<void> {
  await write(db, timeoutMs, 'DELETE FROM controllers WHERE id = ?', [id]);
}
