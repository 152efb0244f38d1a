/**
 * The migrations, oldest first. Append only: a migration that has been merged is
 * never edited, and a change to the schema is a new file added at the end.
 */
import type { Knex } from 'knex';
import * as createTimers from './20261122000000_create_timers';
import * as createControllers from './20261122000100_create_controllers';
import * as addTimersOwner from './20261122000200_add_timers_owner';
import * as indexTimersOwnerStatus from './20261122000300_index_timers_owner_status';
import * as addTimersSkippedStatus from './20261122000400_add_timers_skipped_status';
import * as addTimersDeliveryPolicy from './20261122000500_add_timers_delivery_policy';
import * as createIdempotencyKeys from './20261122000600_create_idempotency_keys';
import * as createTimerAttempts from './20261122000700_create_timer_attempts';
import * as createMaintenance from './20261122000800_create_maintenance';
import * as indexTimersStatusUpdatedAt from './20261122000900_index_timers_status_updated_at';
import * as createSchedules from './20261122001000_create_schedules';
import * as addTimersSchedule from './20261122001100_add_timers_schedule';
import * as uniqueTimersScheduleOccurrence from './20261122001200_unique_timers_schedule_occurrence';
import * as addSchedulesMaxLateness from './20261122001300_add_schedules_max_lateness';
import * as indexTimerAttemptsFinishedAt from './20261122001400_index_timer_attempts_finished_at';
import * as indexSchedulesOwner from './20261206000000_index_schedules_owner';
import * as addTimersWebhook from './20261207000100_add_timers_webhook';
import * as addSchedulesWebhook from './20261207000200_add_schedules_webhook';
import * as addTimersTraceContext from './20261207000900_add_timers_trace_context';
import * as addSchedulesTraceContext from './20261207000910_add_schedules_trace_context';
import * as createTenants from './20261207001000_create_tenants';
import * as createApiKeys from './20261207001100_create_api_keys';
import * as addTimersTenant from './20261207001200_add_timers_tenant';
import * as indexTimersTenantStatus from './20261207001300_index_timers_tenant_status';
import * as indexTimersTenantId from './20261207001400_index_timers_tenant_id';
import * as addSchedulesTenant from './20261207001500_add_schedules_tenant';
import * as indexSchedulesTenantId from './20261207001600_index_schedules_tenant_id';
import * as idempotencyKeysPerTenant from './20261207001700_idempotency_keys_per_tenant';
import * as addTimersVersion from './20261207001800_add_timers_version';
import * as addLabels from './20261207002000_add_labels';
import * as addCallbacks from './20261207002100_add_callbacks';
import * as createTenantCreates from './20261207003000_create_tenant_creates';
import * as addUrlSealed from './20261207004000_add_url_sealed';
import * as createFlows from './20261207005000_create_flows';
import * as addTimersFlow from './20261207005100_add_timers_flow';
import * as indexTimersFlow from './20261207005200_index_timers_flow';
import * as createFlowLeases from './20261207005300_create_flow_leases';
import * as createOrigins from './20261207005400_create_origins';
import * as dropTimersOwnerStatus from './20261207005900_drop_timers_owner_status';
import * as createDeliveryRollups from './20261207100000_create_delivery_rollups';
import * as addControllersLoad from './20261207100100_add_controllers_load';
import * as indexTimersScheduleId from './20261207200000_index_timers_schedule_id';
import * as indexTimersFlowKeyId from './20261207200100_index_timers_flow_key_id';
import * as addTimerLabelsOutcome from './20261207300000_add_timer_labels_outcome';

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
  addTimersSkippedStatus,
  addTimersDeliveryPolicy,
  createIdempotencyKeys,
  createTimerAttempts,
  createMaintenance,
  indexTimersStatusUpdatedAt,
  createSchedules,
  addTimersSchedule,
  uniqueTimersScheduleOccurrence,
  addSchedulesMaxLateness,
  indexTimerAttemptsFinishedAt,
  indexSchedulesOwner,
  addTimersWebhook,
  addSchedulesWebhook,
  addTimersTraceContext,
  addSchedulesTraceContext,
  createTenants,
  createApiKeys,
  addTimersTenant,
  indexTimersTenantStatus,
  indexTimersTenantId,
  addSchedulesTenant,
  indexSchedulesTenantId,
  idempotencyKeysPerTenant,
  addTimersVersion,
  addLabels,
  addCallbacks,
  createTenantCreates,
  addUrlSealed,
  createFlows,
  addTimersFlow,
  indexTimersFlow,
  createFlowLeases,
  createOrigins,
  dropTimersOwnerStatus,
  createDeliveryRollups,
  addControllersLoad,
  indexTimersScheduleId,
  indexTimersFlowKeyId,
  addTimerLabelsOutcome,
];

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => migrations,
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};
