/**
 * changeTimer: PATCH /timers/{id}. Sets what the request changed and raises the
 * version. A pending timer stays pending (due at its new fire_at if that moved);
 * a failed one stays failed (POST /timers/{id}/retry sends it); a held one,
 * given back unsent by its controller, goes back to pending without an owner,
 * due at its new fire_at or, if that did not move, at the time it was due.
 *
 * Parameters: id, change (absent fields stay), fence, tenant (see cancelTimer:
 * the same locks, the same race with a claim, the same deadlock retry). A new
 * url or webhook is sealed with the data keys as on create (atRest.ts), for the
 * timer's tenant (the caller's, or read first for an admin key: it never changes).
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { dialectOf } from '../../db/dialect';
import { encodeWebhookSpec } from '../../webhooks/spec';
import { retryOnDeadlock, select, write } from '../../db/query';
import type { ChangeFence, ChangeResult, TimerChange } from '../types';
import { changeFenceWhere, heldDueAt, releaseHeldSet } from './changeFence';
import { findTimer, TenantView } from './findTimers';

export async function changeTimer(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  change: TimerChange,
  fence: ChangeFence,
  tenant: TenantView = null,
): Promise<ChangeResult> {
  const d = dialectOf(db);
  const sealing = atRest.keys.enabled && (change.url !== undefined || change.webhook !== undefined);
  const owner = sealing ? (tenant ?? (await timerTenant(db, timeoutMs, id))) : null;
  if (sealing && owner === null) return { outcome: 'not_found' };
  const sealFor = owner ?? '';
  const sets: string[] = [`version = version + 1`, `updated_at = ${d.now}`];
  const bindings: unknown[] = [];
  const set = (column: string, value: unknown) => {
    sets.push(`${column} = ?`);
    bindings.push(value);
  };
  if (change.url !== undefined) {
    const url = atRest.sealUrl(change.url, sealFor);
    set('url', url.url);
    set('url_sealed', url.urlSealed);
  }
  if (change.fireAt !== undefined) set('fire_at', change.fireAt);
  if (change.retry !== undefined) {
    set('max_attempts', change.retry.maxAttempts);
    set('retry_base_ms', change.retry.baseMs);
    set('retry_max_ms', change.retry.maxMs);
  }
  if (change.maxLatenessSeconds !== undefined) set('max_lateness_s', change.maxLatenessSeconds);
  if (change.webhook !== undefined) set('webhook', atRest.sealWebhook(encodeWebhookSpec(change.webhook), sealFor));
  if (fence.from !== 'failed') {
    if (change.dueAt !== undefined) {
      set('due_at', change.dueAt);
      // No longer parked for its flow at the old time: the next claim parks it again if need be.
      sets.push('flow_due_at = NULL');
    } else if (fence.from === 'held') {
      const due = heldDueAt(d, fence);
      sets.push(`due_at = ${due.sql}`);
      bindings.push(...due.bindings);
    }
  }
  if (fence.from === 'held') sets.push(`status = 'pending'`, 'locked_by = NULL');
  const where = changeFenceWhere(fence);
  const changed = await retryOnDeadlock(() =>
    write(db, timeoutMs, `UPDATE timers SET ${sets.join(', ')}${releaseHeldSet(fence)} WHERE id = ? AND ${where.sql}`, [
      ...bindings,
      id,
      ...where.bindings,
    ]),
  );
  const timer = await findTimer(db, timeoutMs, atRest, id, tenant);
  if (!timer) return { outcome: 'not_found' };
  if (changed === 1) return { outcome: 'changed', timer };
  return { outcome: 'moved', timer };
}

/** The timer's tenant (null: no such timer). */
async function timerTenant(db: Knex, timeoutMs: number, id: string): Promise<string | null> {
  const [row] = await select<{ tenant: string }>(db, timeoutMs, 'SELECT tenant FROM timers WHERE id = ?', [id]);
  return row?.tenant ?? null;
}
