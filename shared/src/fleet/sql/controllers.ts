/**
 * registerController / listLiveControllers / listControllers / removeController:
 * the controllers table. Each heartbeat also reports the controller's load (in
 * flight, held) for the dashboard's fleet view. Plain single-row statements on the primary key; no locks worth noting.
 * Heartbeats use the database clock, so hosts with skewed clocks agree on who is
 * live. The upsert's syntax and the time arithmetic come from dialect.ts (MySQL:
 * ON DUPLICATE KEY UPDATE; SQLite: ON CONFLICT (id) DO UPDATE).
 */
import type { Knex } from 'knex';
import { DbTime, dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';

export async function registerController(db: Knex, timeoutMs: number, controller: ControllerBeat): Promise<void> {
  const d = dialectOf(db);
  await write(
    db,
    timeoutMs,
    `INSERT INTO controllers (id, endpoint, started_at, heartbeat_at, in_flight, held)
     VALUES (?, ?, ${d.now}, ${d.now}, ?, ?)
     ${d.onConflictUpdate('id')} endpoint = ${d.inserted('endpoint')}, heartbeat_at = ${d.now},
       in_flight = ${d.inserted('in_flight')}, held = ${d.inserted('held')}`,
    [controller.id, controller.endpoint, controller.inFlight ?? null, controller.held ?? null],
  );
}

/** What a heartbeat says: where the controller is, and (when it knows) its load. */
export interface ControllerBeat {
  id: string;
  endpoint: string;
  /** Requests in flight now. */
  inFlight?: number;
  /** Claimed timers not yet sent. */
  held?: number;
}

/** A row of the controllers table as the fleet view shows it, with its age on the database clock. */
export interface ControllerRow {
  id: string;
  startedAt: Date;
  heartbeatAt: Date;
  /** Milliseconds since its last heartbeat, on the database clock. */
  heartbeatAgeMs: number;
  inFlight: number | null;
  held: number | null;
}

/** Every row, newest heartbeat first (a controller that died without leaving stays until it is removed). */
export async function listControllers(db: Knex, timeoutMs: number): Promise<ControllerRow[]> {
  const d = dialectOf(db);
  const rows = await select<{
    id: string;
    started_at: DbTime;
    heartbeat_at: DbTime;
    age_ms: number | string;
    in_flight: number | null;
    held: number | null;
  }>(
    db,
    timeoutMs,
    `SELECT id, started_at, heartbeat_at, ${d.msBetween('heartbeat_at', d.now)} AS age_ms, in_flight, held
     FROM controllers ORDER BY heartbeat_at DESC, id LIMIT 1000`,
  );
  return rows.map((r) => ({
    id: r.id,
    startedAt: d.date(r.started_at),
    heartbeatAt: d.date(r.heartbeat_at),
    heartbeatAgeMs: Number(r.age_ms),
    inFlight: r.in_flight === null ? null : Number(r.in_flight),
    held: r.held === null ? null : Number(r.held),
  }));
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
