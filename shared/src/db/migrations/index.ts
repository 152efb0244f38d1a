/**
 * The migrations, oldest first. Append only: a migration that has been merged is
 * never edited, and a change to the schema is a new file added at the end.
 */
import type { Knex } from 'knex';
import * as createTimers from './20261122000000_create_timers';
import * as createControllers from './20261122000100_create_controllers';
import * as addTimersOwner from './20261122000200_add_timers_owner';
import * as indexTimersOwnerStatus from './20261122000300_index_timers_owner_status';
import * as createSchedules from './20261122001000_create_schedules';
import * as addTimersSchedule from './20261122001100_add_timers_schedule';
import * as uniqueTimersScheduleOccurrence from './20261122001200_unique_timers_schedule_occurrence';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: Migration[] = [
  createTimers,
  createControllers,
  addTimersOwner,
  indexTimersOwnerStatus,
  createSchedules,
  addTimersSchedule,
  uniqueTimersScheduleOccurrence,
];

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => migrations,
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};
