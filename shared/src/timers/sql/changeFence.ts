/**
 * The WHERE and the hand-back part of the SET for a write the api decided on a
 * timer's state (ChangeFence): the same version, and the same status, or for a
 * held timer the same claim. A held timer's claim counted an attempt that was
 * never sent: it is taken back, as releaseUnsent does.
 */
import type { Dialect } from '../../db/dialect';
import type { ChangeFence } from '../types';

export function changeFenceWhere(fence: ChangeFence): { sql: string; bindings: unknown[] } {
  if (fence.from === 'held') {
    return {
      sql: `version = ? AND status = 'firing' AND lease_token = ?`,
      bindings: [fence.version, fence.leaseToken],
    };
  }
  return { sql: 'version = ? AND status = ?', bindings: [fence.version, fence.from] };
}

/** The SET clause that takes back a held claim's unsent attempt; empty for other fences. */
export function releaseHeldSet(fence: ChangeFence): string {
  return fence.from === 'held' ? ', attempts = attempts - 1' : '';
}

/**
 * due_at for a held timer handed back as it is (status pending): the due time the
 * controller reported, else read back from the lease (due_at − leaseMs, or now),
 * as releaseUnsent does.
 */
export function heldDueAt(
  d: Dialect,
  fence: Extract<ChangeFence, { from: 'held' }>,
): { sql: string; bindings: unknown[] } {
  if (fence.dueAt) return { sql: '?', bindings: [fence.dueAt] };
  return { sql: d.greatest(d.now, d.minus('due_at')), bindings: [d.duration(fence.leaseMs)] };
}
