/**
 * What the dashboard (/ui) shows, in one answer: timers per status, the timers
 * due next, the newest delivery attempts (from the history: how late each
 * request left, its answer, what followed), the failed timers, and the schedules
 * with their next run: of the caller's tenant (`sees`), or of every tenant for an
 * admin key without X-Tenant; and the origins whose timers wait (Retry-After,
 * circuit breaker), which are the receivers' own and the same for every tenant.
 * Reads only; no HTTP, no SQL.
 */
import type { Clock, Store } from '@timer/shared';
import type { DashboardOverview } from '../schemas';
import { toScheduleView } from './schedules';
import { toRecentDeliveryView, toView } from './views';

/** Counts stop here: a count at the cap means "at least", and a refresh stays cheap on a big table. */
export const COUNT_CAP = 100_000;
const DUE_SOON = 10;
const RECENT = 15;
const FAILED = 20;
const SCHEDULES = 20;

export class DashboardService {
  constructor(
    private readonly store: Store,
    private readonly dbClock: Clock,
  ) {}

  async overview(sees: string | null): Promise<DashboardOverview> {
    const [counts, dueSoon, recent, failed, schedules, origins] = await Promise.all([
      this.store.timers.countByStatus(COUNT_CAP, sees),
      this.store.timers.dueSoon(DUE_SOON, sees),
      this.store.attempts.recent(RECENT, sees),
      this.store.timers.list({ status: 'failed', limit: FAILED, tenant: sees }),
      this.store.schedules.list({ limit: SCHEDULES, tenant: sees }),
      this.store.flows.blockedOrigins(),
    ]);
    return {
      now: new Date(this.dbClock.now()).toISOString(),
      counts,
      count_cap: COUNT_CAP,
      due_soon: dueSoon.map(toView),
      recent: recent.map(toRecentDeliveryView),
      failed: failed.map(toView),
      schedules: schedules.map(toScheduleView),
      origins: origins.map((o) => ({
        origin: o.origin,
        state: o.probe ? 'probe' : o.reason,
        until: o.until ? o.until.toISOString() : null,
      })),
    };
  }
}
