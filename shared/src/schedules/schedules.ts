/**
 * Recurring schedules: the api creates, reads, changes, pauses, resumes and deletes them;
 * controllers read the ones due soon, plan their occurrences, and write them as
 * timers. Each query is its own file under sql/.
 */
import type { Knex } from 'knex';
import { AtRest } from '../crypto/atRest';
import { countSchedules } from './sql/countSchedules';
import { createOccurrences } from './sql/createOccurrences';
import { deleteSchedule } from './sql/deleteSchedule';
import { DueSchedules, findDueSchedules } from './sql/findDueSchedules';
import { findSchedule, listSchedules, ScheduleListQuery } from './sql/findSchedules';
import { insertSchedule } from './sql/insertSchedule';
import { pauseSchedule, resumeSchedule } from './sql/pauseSchedule';
import { updateSchedule } from './sql/updateSchedule';
import type { NewSchedule, ScheduleAdvance, ScheduleChange, ScheduleRecord, ScheduleUpdate } from './types';

export type { DueSchedules, ScheduleListQuery };

export class Schedules {
  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
    private readonly atRest: AtRest = AtRest.none(),
  ) {}

  create(schedule: NewSchedule): Promise<void> {
    return insertSchedule(this.db, this.timeoutMs, this.atRest, schedule);
  }

  /** The schedule, if it exists and `tenant` (null: anyone) may see it. */
  find(id: string, tenant: string | null = null): Promise<ScheduleRecord | null> {
    return findSchedule(this.db, this.timeoutMs, this.atRest, id, tenant);
  }

  list(query: ScheduleListQuery): Promise<ScheduleRecord[]> {
    return listSchedules(this.db, this.timeoutMs, this.atRest, query);
  }

  pause(id: string, tenant: string | null = null): Promise<ScheduleChange> {
    return pauseSchedule(this.db, this.timeoutMs, this.atRest, id, tenant);
  }

  resume(id: string, nextRunAt: Date | null, tenant: string | null = null): Promise<ScheduleChange> {
    return resumeSchedule(this.db, this.timeoutMs, this.atRest, id, nextRunAt, tenant);
  }

  /** Stores a PATCH if the schedule is still as `read`; false when it moved on (read it again). */
  update(
    id: string,
    update: ScheduleUpdate,
    read: Pick<ScheduleRecord, 'paused' | 'nextRunAt' | 'lastOccurrenceAt'>,
  ): Promise<boolean> {
    return updateSchedule(this.db, this.timeoutMs, this.atRest, id, update, read);
  }

  delete(id: string, tenant: string | null = null): Promise<boolean> {
    return deleteSchedule(this.db, this.timeoutMs, id, tenant);
  }

  /** Schedules `owner` has, paused ones included (MAX_SCHEDULES_PER_KEY). */
  count(owner: string): Promise<number> {
    return countSchedules(this.db, this.timeoutMs, owner);
  }

  /** Up to `limit` schedules whose next occurrence is within `lookaheadMs`, soonest first; no locks. */
  findDue(options: { limit: number; lookaheadMs: number }): Promise<DueSchedules> {
    return findDueSchedules(this.db, this.timeoutMs, options);
  }

  /** Writes planned occurrences as timers; returns the ids of the schedules written (see createOccurrences). */
  createOccurrences(advances: readonly ScheduleAdvance[]): Promise<string[]> {
    return createOccurrences(this.db, this.timeoutMs, advances);
  }
}
