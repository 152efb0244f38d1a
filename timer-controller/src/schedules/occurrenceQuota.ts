/**
 * MAX_PENDING_PER_KEY holds for schedules too: a schedule's occurrences are its
 * key's pending timers, and an occurrence that would take a key past its cap is
 * recorded `skipped` (never sent; last_error says why) instead of pending. The
 * key's live timers are counted once per pass and owner (one COUNT on the
 * timers_owner_status index), then each planned occurrence takes a place, in
 * order. Like the api's check, concurrent creates can overshoot by their number,
 * never more.
 */
import type { Logger } from '@timer/shared';
import type { Plan } from './occurrencePlanner';

export interface OccurrenceQuotaDeps {
  maxPendingPerKey: number;
  countLive: (owner: string) => Promise<number>;
  logger: Logger;
  controllerId: string;
}

/** Marks the occurrences over their key's cap as skipped; returns how many. */
export async function applyPendingQuota(plans: readonly Plan[], deps: OccurrenceQuotaDeps): Promise<number> {
  const { maxPendingPerKey: max } = deps;
  if (max === 0) return 0;
  const room = new Map<string, number>();
  let skipped = 0;
  for (const { advance } of plans) {
    const owner = advance.schedule.owner;
    if (owner === null || advance.occurrences.length === 0) continue;
    if (!room.has(owner)) room.set(owner, max - (await deps.countLive(owner)));
    for (const occurrence of advance.occurrences) {
      const left = room.get(owner)!;
      if (left > 0) {
        room.set(owner, left - 1);
        continue;
      }
      occurrence.skipped = `skipped: the key that created the schedule had ${max} timers waiting, the most MAX_PENDING_PER_KEY allows`;
      skipped += 1;
      deps.logger.warn('Schedule occurrence skipped: its key is at MAX_PENDING_PER_KEY', {
        scheduleId: advance.schedule.id,
        timerId: occurrence.id,
        occurrenceAt: occurrence.at.toISOString(),
        controllerId: deps.controllerId,
      });
    }
  }
  return skipped;
}
