/**
 * Measures how far this host's clock is from the database's. The database clock
 * decides what is due; a large skew does not change that, but it does make the
 * host's log timestamps and lateness figures misleading, so it is worth a warning.
 */
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import { dialectOf } from './dialect';
import { select } from './query';

/**
 * One measurement of the offset (database time minus host time, in ms) and how far
 * off it can be: the true offset lies within `offset ± uncertainty`.
 *
 * Each clock reading is the truth cut down to its resolution: the host's to whole
 * milliseconds (so the true host time at `before` lies in [before, before + 1)),
 * the database's to `clockResolutionMs` (a microsecond on MySQL, a millisecond on
 * SQLite). The database read its clock somewhere between the two host readings,
 * so the true offset lies in (db - after - 1, db + resolution - before]; the
 * measurement is the middle of that interval and half its width.
 */
export interface ClockMeasurement {
  offset: number;
  /** 0: exact, never measured (a SQLite file, which reads this process's own clock). */
  uncertainty: number;
}

export async function measureClockOffset(db: Knex, clock: Clock, timeoutMs: number): Promise<ClockMeasurement> {
  const d = dialectOf(db);
  const before = clock.now();
  const [row] = await select<{ now_ms: string | number }>(db, timeoutMs, `SELECT ${d.preciseNowEpochMs} AS now_ms`);
  const after = clock.now();
  const dbMs = Number(row.now_ms);
  const low = dbMs - after - 1;
  const high = dbMs + d.clockResolutionMs - before;
  return { offset: (low + high) / 2, uncertainty: (high - low) / 2 };
}

export async function measureClockSkew(db: Knex, clock: Clock, timeoutMs: number): Promise<number> {
  return (await measureClockOffset(db, clock, timeoutMs)).offset;
}
