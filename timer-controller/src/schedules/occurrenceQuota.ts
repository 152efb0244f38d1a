/**
 * A tenant's pending cap (its max_pending, else MAX_PENDING_PER_KEY) holds for
 * schedules too: a schedule's occurrences are its tenant's pending timers, and an
 * occurrence that would take a tenant past its cap is recorded `skipped` (never
 * sent; last_error says why) instead of pending. The tenant's cap is read and its
 * live timers counted once per pass (one COUNT on the timers_tenant_status_id
 * index), then each planned occurrence takes a place, in order. Like the api's
 * check, concurrent creates can overshoot by their number, never more.
 */
import type { Logger } from '@timer/shared';
import type { Plan } from './occurrencePlanner';

export interface OccurrenceQuotaDeps {
  /** The tenant's cap; 0: none. */
  maxPendingOf: (tenant: string) => Promise<number>;
  countLive: (tenant: string) => Promise<number>;
  logger: Logger;
  controllerId: string;
}

/** Marks the occurrences over their key's cap as skipped; returns how many. */
export async function applyPendingQuota(plans: readonly Plan[], deps: OccurrenceQuotaDeps): Promise<number> {
  const room = new Map<string, { max: number; left: number }>();
  let skipped = 0;
  for (const { advance } of plans) {
    const { tenant } = advance.schedule;
    if (advance.occurrences.length === 0) continue;
    if (!room.has(tenant)) {
      const max = await deps.maxPendingOf(tenant);
      room.set(tenant, { max, left: max === 0 ? Infinity : max - (await deps.countLive(tenant)) });
    }
    const cap = room.get(tenant)!;
    for (const occurrence of advance.occurrences) {
      if (cap.left > 0) {
        cap.left -= 1;
        continue;
      }
      occurrence.skipped = `skipped: its tenant had ${cap.max} timers waiting, the most its quota allows (max_pending, else MAX_PENDING_PER_KEY)`;
      skipped += 1;
      deps.logger.warn('Schedule occurrence skipped: its tenant is at its pending cap', {
        tenant,
        scheduleId: advance.schedule.id,
        timerId: occurrence.id,
        occurrenceAt: occurrence.at.toISOString(),
        controllerId: deps.controllerId,
      });
    }
  }
  return skipped;
}
