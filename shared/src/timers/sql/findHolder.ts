/**
 * findHolder: who holds a timer and under which claim, for the api to ask that
 * controller to give it back before a change or cancel. Parameters: id, tenant
 * (null: any; another tenant's timer is not found). No locks (a plain
 * read): whatever the api decides on it is written fenced by this version and
 * lease token, so a read that is stale by then matches nothing.
 *
 * unstarted_for_ms: until fire_at while the claim is the timer's first attempt
 * ever (nothing failed, never replayed), when no request can have started
 * before fire_at; else 0, the request may have started.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { TimerHolder, TimerStatus } from '../types';
import type { TenantView } from './findTimers';

interface HolderRow {
  status: TimerStatus;
  version: number | string;
  locked_by: string | null;
  lease_token: number | string;
  lease_left_ms: number | string | null;
  unstarted_for_ms: number | string;
  labelled: number | string;
}

export async function findHolder(
  db: Knex,
  timeoutMs: number,
  id: string,
  tenant: TenantView = null,
): Promise<TimerHolder | null> {
  const d = dialectOf(db);
  const [row] = await select<HolderRow>(
    db,
    timeoutMs,
    `SELECT status, version, locked_by, lease_token,
            ${d.msBetween(d.now, 'due_at')} AS lease_left_ms,
            CASE WHEN attempts = 1 AND prior_attempts = 0 AND last_error IS NULL
                 THEN ${d.greatest('0', d.msBetween(d.now, 'fire_at'))} ELSE 0 END AS unstarted_for_ms,
            CASE WHEN labels IS NULL THEN 0 ELSE 1 END AS labelled
     FROM timers WHERE id = ?${tenant === null ? '' : ' AND tenant = ?'}`,
    tenant === null ? [id] : [id, tenant],
  );
  if (!row) return null;
  return {
    status: row.status,
    version: Number(row.version),
    lockedBy: row.locked_by,
    leaseToken: Number(row.lease_token),
    leaseLeftMs: row.lease_left_ms === null ? 0 : Number(row.lease_left_ms),
    unstartedForMs: Number(row.unstarted_for_ms),
    labelled: Number(row.labelled) === 1,
  };
}
