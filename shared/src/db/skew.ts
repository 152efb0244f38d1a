/**
 * Measures how far this host's clock is from the database's. The database clock
 * decides what is due; a large skew does not change that, but it does make the
 * host's log timestamps and lateness figures misleading, so it is worth a warning.
 */
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import { dialectOf } from './dialect';
import { select } from './query';

export async function measureClockSkew(db: Knex, clock: Clock, timeoutMs: number): Promise<number> {
  const before = clock.now();
  const [row] = await select<{ now_ms: string | number }>(
    db,
    timeoutMs,
    `SELECT ${dialectOf(db).nowEpochMs} AS now_ms`,
  );
  const after = clock.now();
  return Number(row.now_ms) - (before + after) / 2;
}
