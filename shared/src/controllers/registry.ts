/**
 * registerController / listLiveControllers / removeController: the controllers
 * table. Plain single-row statements on the primary key; no locks worth noting.
 * Heartbeats use the database clock, so hosts with skewed clocks agree on who is
 * live.
 */
import type { Knex } from 'knex';
import { select, write } from '../db/query';

export async function registerController(
  db: Knex,
  timeoutMs: number,
  controller: { id: string; endpoint: string },
): Promise<void> {
  await write(
    db,
    timeoutMs,
    `INSERT INTO controllers (id, endpoint, started_at, heartbeat_at) VALUES (?, ?, NOW(3), NOW(3))
     ON DUPLICATE KEY UPDATE endpoint = VALUES(endpoint), heartbeat_at = NOW(3)`,
    [controller.id, controller.endpoint],
  );
}

export async function listLiveControllers(db: Knex, timeoutMs: number, staleAfterMs: number): Promise<string[]> {
  const rows = await select<{ endpoint: string }>(
    db,
    timeoutMs,
    'SELECT endpoint FROM controllers WHERE heartbeat_at > NOW(3) - INTERVAL ? MICROSECOND',
    [staleAfterMs * 1000],
  );
  return rows.map((r) => r.endpoint);
}

export async function removeController(db: Knex, timeoutMs: number, id: string): Promise<void> {
  await write(db, timeoutMs, 'DELETE FROM controllers WHERE id = ?', [id]);
}
