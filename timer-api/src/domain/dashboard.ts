/**
 * What the dashboard (/ui) shows, in one answer: timers per status, the timers
 * due next, the latest finished ones with how late they fired, the failed ones,
 * and the schedules with their next run. Reads only; no HTTP, no SQL.
 */
import type { Clock, TimerStore } from '@timer/shared';
import type { DashboardOverview } from '../schemas';
import { toScheduleView } from './schedules';
import { toView } from './views';

/** Counts stop here: a count at the cap means "at least", and a refresh stays cheap on a big table. */
export const COUNT_CAP = 100_000;
const DUE_SOON = 10;
const RECENT = 15;
const FAILED = 20;
const SCHEDULES = 20;

export class DashboardService {
  constructor(
    private readonly store: TimerStore,
    private readonly dbClock: Clock,
  ) {}

  async overview(): Promise<DashboardOverview> {
    const [counts, dueSoon, fired, failed, schedules] = await Promise.all([
      this.store.countByStatus(COUNT_CAP),
      this.store.dueSoon(DUE_SOON),
      this.store.list({ status: 'fired', limit: RECENT }),
      this.store.list({ status: 'failed', limit: FAILED }),
      this.store.listSchedules({ limit: SCHEDULES }),
    ]);
    // Newest timers first (ids are time-ordered): the ones delivered or given up on most recently,
    // except for timers that waited long. TODO(issue 7): read recent deliveries from timer_attempts.
    const recent = [...fired, ...failed]
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, RECENT)
      .map(toView);
    return {
      now: new Date(this.dbClock.now()).toISOString(),
      counts,
      count_cap: COUNT_CAP,
      due_soon: dueSoon.map(toView),
      recent,
      failed: failed.map(toView),
      schedules: schedules.map(toScheduleView),
    };
  }
}
