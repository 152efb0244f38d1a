import type { WebhookSpec } from '../webhooks/spec';
import type { Callbacks } from '../timers/types';
import type { Labels } from '../timers/types';
import type { TraceContext } from '../tracing/tracing';

/** A schedule as the store returns it to the api. */
export interface ScheduleRecord {
  id: string;
  cron: string;
  timezone: string;
  url: string;
  paused: boolean;
  /** The first occurrence not yet created as a timer; null while paused or when the rule never fires again. */
  nextRunAt: Date | null;
  /** The latest occurrence created as a timer, if any. */
  lastOccurrenceAt: Date | null;
  /** on_late "skip": the most seconds late each occurrence may be sent; null: fire however late. */
  maxLatenessSeconds: number | null;
  /** What each occurrence sends. */
  webhook: WebhookSpec;
  /** Copied onto each occurrence. */
  callbacks: Callbacks;
  /** Copied onto each occurrence. */
  labels: Labels;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewSchedule {
  id: string;
  cron: string;
  timezone: string;
  url: string;
  owner: string | null;
  /** Whose schedule it is; DEFAULT_TENANT when absent. */
  tenant?: string;
  nextRunAt: Date | null;
  /** on_late "skip" with this many seconds; null or absent: fire however late. */
  maxLatenessSeconds?: number | null;
  /** Absent: plain occurrences. */
  webhook?: WebhookSpec;
  callbacks?: Callbacks;
  labels?: Labels;
  createdAt: Date;
  /** The span that created it: each occurrence's trace links to it. null or absent: tracing was off. */
  trace?: TraceContext | null;
}

/** What PATCH /schedules/{id} stores: the whole definition after the request was merged in. */
export interface ScheduleUpdate {
  cron: string;
  timezone: string;
  url: string;
  maxLatenessSeconds: number | null;
  /** What each occurrence sends. */
  webhook: WebhookSpec;
  /** Recomputed from the rule; null while paused or when the rule never fires again. */
  nextRunAt: Date | null;
}

/** A schedule whose next occurrence is within the lookahead, as a controller reads it to plan. */
export interface DueSchedule {
  id: string;
  cron: string;
  timezone: string;
  /** The stored url and url_sealed (atRest.ts), copied as they are onto each occurrence (same tenant). */
  url: string;
  urlSealed: string | null;
  owner: string | null;
  /** Its occurrences are this tenant's timers. */
  tenant: string;
  nextRunAt: Date;
  /** Copied onto each occurrence (timers.max_lateness_s). */
  maxLatenessSeconds: number | null;
  /** The stored text of what each occurrence sends, copied as is onto each (timers.webhook); null: plain. */
  webhookText: string | null;
  /** The stored text of its callbacks, copied as is onto each occurrence; null: none. */
  callbacksText: string | null;
  /** Copied onto each occurrence (timers.labels and timer_labels). */
  labels: Labels;
  /** The context of its creation, which each occurrence's own trace links to. */
  trace: TraceContext | null;
}

/** One occurrence to create as a timer: the id minted for it (newId) and its time. */
export interface Occurrence {
  id: string;
  at: Date;
  /** Set when the occurrence is recorded `skipped` instead of pending (never sent): why, for last_error. */
  skipped?: string;
  /** The occurrence's own trace (a new one, linked to the schedule's creation), stored with its timer. */
  trace?: TraceContext | null;
}

/** What a controller planned for one schedule it read: occurrences to create, and where it goes on. */
export interface ScheduleAdvance {
  /** The schedule as read: its next_run_at fences the write. */
  schedule: DueSchedule;
  occurrences: Occurrence[];
  nextRunAt: Date | null;
}

export type ScheduleChange = { outcome: 'changed' | 'unchanged'; schedule: ScheduleRecord } | { outcome: 'not_found' };
