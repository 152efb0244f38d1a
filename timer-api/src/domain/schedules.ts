/**
 * The api's rules about schedules: a cron expression and a time zone that mean
 * something, a URL it may send to, the missed-fire rule its occurrences inherit
 * (checked as for a timer), the first occurrence computed on the database clock,
 * pause and resume, how a schedule is shown. Every read and change is of the
 * caller's tenant only (`sees`), in the query itself. No HTTP, no SQL. The
 * controllers create the occurrences (timer-controller/src/schedules/occurrenceLoop.ts).
 */
import {
  callbacksView,
  Clock,
  CronRule,
  DEFAULT_TIMEZONE,
  isCronProblem,
  Logger,
  newId,
  noTracing,
  ScheduleChange,
  ScheduleRecord,
  ScheduleUpdate,
  SecurityConfig,
  Store,
  Tracing,
} from '@timer/shared';
import { AppError, ErrorDetail } from '../errors';
import type {
  CreateScheduleRequest,
  ListSchedulesQuery,
  PatchScheduleRequest,
  Schedule,
  SchedulePage,
} from '../schemas';
import { ANONYMOUS_OWNER, Client, OPEN_CLIENT } from './client';
import { decodeCursor, encodeCursor, normalizeId } from './ids';
import type { Nudger } from './nudger';
import { quotaExceeded } from './pendingQuota';
import type { TenantSettings } from './tenantSettings';
import { newMissedFireRule } from './timerPatch';
import { patchWebhook } from './webhookPatch';
import { callbacksOf, checkWebhookUrl, missedFireRuleOf, throwProblems } from './timerRequest';
import { webhookSpecOf } from './webhookSpec';
import { toWebhookView } from './views';
import type { WebhookTargets } from './webhookTargets';

export interface ScheduleServiceOptions {
  store: Store;
  logger: Logger;
  /** The database's clock: the first occurrence is the first one after its now. */
  dbClock: Clock;
  nudger: Nudger;
  targets: WebhookTargets;
  /** SCHEDULE_LOOKAHEAD_MS: an occurrence this close is announced to the controllers at once. */
  nudgeWithinMs: number;
  /** What one key may hold (0: no cap), and how often a schedule may fire. */
  limits: Pick<SecurityConfig, 'maxSchedulesPerKey' | 'minScheduleIntervalSeconds'> & {
    /** MAX_PAYLOAD_BYTES. */
    maxPayloadBytes: number;
  };
  /** Each tenant's pending cap (its max_pending, else MAX_PENDING_PER_KEY). */
  settings: Pick<TenantSettings, 'quotasOf'>;
  /** The creation's span, whose context each occurrence's trace links to; off by default. */
  tracing?: Tracing;
}

/** Reads of a schedule before giving up on one that controllers keep advancing under the request. */
const CHANGE_ROUNDS = 3;

export class ScheduleService {
  constructor(private readonly options: ScheduleServiceOptions) {}

  async create(
    request: CreateScheduleRequest,
    client: Pick<Client, 'owner' | 'tenant'> = OPEN_CLIENT,
  ): Promise<Schedule> {
    const problems: ErrorDetail[] = [];
    const maxLatenessSeconds = missedFireRuleOf(request, problems);
    const rule = ruleOf(request, problems);
    const webhook = webhookSpecOf(request, this.options.limits, problems);
    const callbacks = callbacksOf(request, problems);
    if (rule === null || problems.length > 0) throw invalid(problems);
    throwProblems(problems, webhook.oversize);
    const url = checkWebhookUrl(request.url);
    const now = this.options.dbClock.now();
    this.checkInterval(rule, now);
    for (const target of [url, callbacks.onSuccess, callbacks.onFailure]) {
      if (target !== undefined) await this.options.targets.check(target);
    }
    await this.admit(client.owner, client.tenant);
    const next = rule.nextAfter(now);
    if (next === null) {
      throw invalid([{ path: 'cron', message: 'cron never matches a date (such as 30 February)' }]);
    }
    const schedule = {
      id: newId(),
      cron: rule.expression,
      timezone: rule.timezone,
      url,
      owner: client.owner,
      tenant: client.tenant,
      nextRunAt: new Date(next),
      maxLatenessSeconds,
      labels: request.labels ?? {},
      webhook: webhook.spec,
      callbacks,
      createdAt: new Date(now),
    };
    await (this.options.tracing ?? noTracing).inSpan(
      'schedule.create',
      { attributes: { 'schedule.id': schedule.id } },
      (span) => this.options.store.schedules.create({ ...schedule, trace: span.context }),
    );
    this.nudgeIfSoon(next);
    this.options.logger.info('Schedule created', {
      scheduleId: schedule.id,
      cron: schedule.cron,
      timezone: schedule.timezone,
      nextRunAt: schedule.nextRunAt.toISOString(),
      maxLatenessSeconds,
    });
    return toScheduleView({
      ...schedule,
      paused: false,
      lastOccurrenceAt: null,
      updatedAt: schedule.createdAt,
    });
  }

  async get(rawId: string, sees: string | null = OPEN_CLIENT.sees): Promise<Schedule> {
    const id = normalizeId(rawId);
    const record = id ? await this.options.store.schedules.find(id, sees) : null;
    if (!record) throw new AppError('schedule_not_found');
    return toScheduleView(record);
  }

  async list(query: ListSchedulesQuery, sees: string | null = OPEN_CLIENT.sees): Promise<SchedulePage> {
    const limit = query.limit ?? 20;
    const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.options.store.schedules.list({ limit: limit + 1, beforeId, tenant: sees });
    const items = rows.slice(0, limit).map(toScheduleView);
    const next = rows.length > limit ? encodeCursor(items[items.length - 1].id) : null;
    return { items, next_cursor: next };
  }

  /**
   * PATCH: merges the request into the schedule and recomputes its next
   * occurrence (after now, and after the last one already created). Occurrences
   * already created as timers keep what they had. Written fenced by the schedule
   * as read; a controller that advanced it meanwhile makes this read it again.
   */
  async change(
    rawId: string,
    request: PatchScheduleRequest,
    sees: string | null = OPEN_CLIENT.sees,
  ): Promise<Schedule> {
    const id = this.idOf(rawId);
    const url = request.url === undefined ? undefined : checkWebhookUrl(request.url);
    if (url !== undefined) await this.options.targets.check(url);
    for (let round = 1; round <= CHANGE_ROUNDS; round++) {
      // Found under the caller's tenant: the write that follows is of this row only.
      const current = await this.options.store.schedules.find(id, sees);
      if (!current) throw new AppError('schedule_not_found');
      const update = this.planChange(current, request, url);
      if (await this.options.store.schedules.update(id, update, current)) {
        this.options.logger.info('Schedule changed', {
          scheduleId: id,
          fields: Object.keys(request),
          nextRunAt: update.nextRunAt?.toISOString() ?? null,
        });
        if (update.nextRunAt !== null) this.nudgeIfSoon(update.nextRunAt.getTime());
        const changed = await this.options.store.schedules.find(id, sees);
        if (!changed) throw new AppError('schedule_not_found');
        return toScheduleView(changed);
      }
    }
    throw new AppError('contended', undefined, undefined, { retryAfterSeconds: 1 });
  }

  private planChange(current: ScheduleRecord, request: PatchScheduleRequest, url: string | undefined): ScheduleUpdate {
    const problems: ErrorDetail[] = [];
    const cron = request.cron ?? current.cron;
    const timezone = request.timezone ?? current.timezone;
    const rule = ruleOf({ cron, timezone }, problems);
    const lateness = newMissedFireRule(request, current.maxLatenessSeconds, problems);
    const newUrl = url ?? current.url;
    const sends = patchWebhook(current.webhook, request, newUrl, this.options.limits, problems);
    if (rule === null || problems.length > 0) throw invalid(problems);
    throwProblems(problems, sends.oversize);
    const now = this.options.dbClock.now();
    if (request.cron !== undefined || request.timezone !== undefined) this.checkInterval(rule, now);
    let nextRunAt: Date | null = null;
    if (!current.paused) {
      const next = rule.nextAfter(Math.max(now, current.lastOccurrenceAt?.getTime() ?? -Infinity));
      if (next === null) throw invalid([{ path: 'cron', message: 'cron never matches a date (such as 30 February)' }]);
      nextRunAt = new Date(next);
    }
    return {
      cron: rule.expression,
      timezone: rule.timezone,
      url: newUrl,
      maxLatenessSeconds: lateness === undefined ? current.maxLatenessSeconds : lateness,
      webhook: sends.spec,
      nextRunAt,
    };
  }

  /** Stops creating occurrences and cancels those created that have not started. Idempotent. */
  async pause(rawId: string, sees: string | null = OPEN_CLIENT.sees): Promise<Schedule> {
    const id = this.idOf(rawId);
    const change = await this.options.store.schedules.pause(id, sees);
    if (change.outcome === 'changed') this.options.logger.info('Schedule paused', { scheduleId: id });
    return viewOf(change);
  }

  /**
   * Creates occurrences again from the first one after now (and after the last one
   * created before the pause): the ones that fell in the pause never fire. Idempotent.
   */
  async resume(rawId: string, sees: string | null = OPEN_CLIENT.sees): Promise<Schedule> {
    const id = this.idOf(rawId);
    const current = await this.options.store.schedules.find(id, sees);
    if (!current) throw new AppError('schedule_not_found');
    if (!current.paused) return toScheduleView(current);
    const rule = CronRule.parse(current.cron, current.timezone);
    const after = Math.max(this.options.dbClock.now(), current.lastOccurrenceAt?.getTime() ?? -Infinity);
    const next = isCronProblem(rule) ? null : rule.nextAfter(after);
    const change = await this.options.store.schedules.resume(id, next === null ? null : new Date(next), sees);
    if (change.outcome === 'changed') {
      this.options.logger.info('Schedule resumed', {
        scheduleId: id,
        nextRunAt: next === null ? null : new Date(next).toISOString(),
      });
      if (next !== null) this.nudgeIfSoon(next);
    }
    return viewOf(change);
  }

  /** Deletes the schedule and cancels its occurrences that have not started. */
  async delete(rawId: string, sees: string | null = OPEN_CLIENT.sees): Promise<void> {
    const id = this.idOf(rawId);
    if (!(await this.options.store.schedules.delete(id, sees))) throw new AppError('schedule_not_found');
    this.options.logger.info('Schedule deleted', { scheduleId: id });
  }

  /** MIN_SCHEDULE_INTERVAL_SECONDS: a rule may not fire more often than this. */
  private checkInterval(rule: CronRule, nowMs: number): void {
    const minSeconds = this.options.limits.minScheduleIntervalSeconds;
    const gapMs = rule.shortestGapMs(nowMs);
    if (gapMs >= minSeconds * 1000) return;
    throw invalid([
      {
        path: 'cron',
        message: `cron fires every ${gapMs / 1000} s at its closest; MIN_SCHEDULE_INTERVAL_SECONDS allows every ${minSeconds} s at most`,
      },
    ]);
  }

  /**
   * Schedules count toward a key's limits: MAX_SCHEDULES_PER_KEY caps how many it
   * has, and a key at its MAX_PENDING_PER_KEY cap cannot add one (its occurrences
   * are pending timers of the key; the controllers skip occurrences of a key over
   * the cap). Counted, like the pending cap, so concurrent creates of one key can
   * overshoot by their number, never more.
   */
  private async admit(owner: string, tenant: string): Promise<void> {
    const { store, limits } = this.options;
    if (limits.maxSchedulesPerKey > 0 && (await store.schedules.count(owner)) >= limits.maxSchedulesPerKey) {
      const who = owner === ANONYMOUS_OWNER ? 'This service has' : 'This API key has';
      throw new AppError(
        'schedule_quota_exceeded',
        `${who} ${limits.maxSchedulesPerKey} schedules, the most MAX_SCHEDULES_PER_KEY allows; delete one first.`,
      );
    }
    const { maxPending } = await this.options.settings.quotasOf(tenant);
    if (maxPending > 0 && (await store.timers.countLiveOfTenant(tenant)) >= maxPending) {
      throw quotaExceeded(tenant, maxPending);
    }
  }

  private idOf(rawId: string): string {
    const id = normalizeId(rawId);
    if (!id) throw new AppError('schedule_not_found');
    return id;
  }

  private nudgeIfSoon(nextMs: number): void {
    if (nextMs - this.options.dbClock.now() < this.options.nudgeWithinMs) this.options.nudger.nudge();
  }
}

function ruleOf(request: Pick<CreateScheduleRequest, 'cron' | 'timezone'>, problems: ErrorDetail[]): CronRule | null {
  const rule = CronRule.parse(request.cron, request.timezone ?? DEFAULT_TIMEZONE);
  if (!isCronProblem(rule)) return rule;
  problems.push({ path: rule.path, message: rule.message });
  return null;
}

function invalid(problems: ErrorDetail[]): AppError {
  return new AppError(
    'validation_failed',
    `Invalid request body: ${problems.map((p) => p.message).join('; ')}`,
    problems,
  );
}

function viewOf(change: ScheduleChange): Schedule {
  if (change.outcome === 'not_found') throw new AppError('schedule_not_found');
  return toScheduleView(change.schedule);
}

export function toScheduleView(record: ScheduleRecord): Schedule {
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  return {
    id: record.id,
    cron: record.cron,
    timezone: record.timezone,
    url: record.url,
    paused: record.paused,
    next_run_at: iso(record.nextRunAt),
    last_occurrence_at: iso(record.lastOccurrenceAt),
    on_late: record.maxLatenessSeconds === null ? 'fire' : 'skip',
    max_lateness_seconds: record.maxLatenessSeconds,
    labels: record.labels,
    callbacks: callbacksView(record.callbacks),
    ...toWebhookView(record.webhook),
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}
