/**
 * The api's rules about timers: how a request becomes a delay, which URLs are
 * acceptable (and where they may point), who may have how many, how a stored
 * timer is shown, how pages are cut. No HTTP, no SQL.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Clock, Logger, Metrics, TimerRecord, TimerStore } from '@timer/shared';
import { AppError } from '../errors';
import type { CreateTimerRequest, ListTimersQuery, Timer, TimerPage } from '../schemas';
import type { Nudger } from './nudger';
import { ANONYMOUS_OWNER, Client } from './client';
import { decodeCursor, encodeCursor, normalizeId } from './ids';
import type { PendingQuota } from './pendingQuota';
import type { WebhookTargets } from './webhookTargets';

export interface TimerServiceOptions {
  store: TimerStore;
  logger: Logger;
  metrics: Metrics;
  maxDelaySeconds: number;
  /** The database's clock: created_at and fire_at are on database time. */
  dbClock: Clock;
  nudger: Nudger;
  /** WEBHOOK_TARGETS: where a webhook may be sent. */
  targets: WebhookTargets;
  /** MAX_PENDING_PER_KEY, when set. */
  quota?: PendingQuota;
  /** A timer due sooner than this is announced to the controllers (their poll interval plus a margin). */
  nudgeWithinMs: number;
}

export class TimerService {
  constructor(private readonly options: TimerServiceOptions) {}

  async create(
    request: CreateTimerRequest,
    client: Pick<Client, 'owner'> = { owner: ANONYMOUS_OWNER },
  ): Promise<Timer> {
    const delaySeconds = this.delayOf(request);
    const url = checkWebhookUrl(request.url);
    await this.options.targets.check(url);
    const now = this.options.dbClock.now();
    const timer = {
      id: uuidv7(),
      url,
      createdAt: new Date(now),
      fireAt: new Date(now + delaySeconds * 1000),
      owner: client.owner,
    };
    const { quota } = this.options;
    await quota?.admit(client.owner, timer);
    try {
      await this.options.store.create(timer);
    } catch (err) {
      quota?.forget(timer.id);
      throw err;
    }
    if (delaySeconds * 1000 < this.options.nudgeWithinMs) this.options.nudger.nudge();
    this.options.metrics.timersCreated.inc();
    const { logger } = this.options;
    // Checked first: winston formats a line before it filters it by level.
    if (logger.isDebugEnabled()) {
      logger.debug('Timer created', { timerId: timer.id, fireAt: timer.fireAt.toISOString(), delaySeconds });
    }
    return toView({
      ...timer,
      status: 'pending',
      firedAt: null,
      attempts: 0,
      lastError: null,
      scheduleId: null,
      msLeft: delaySeconds * 1000,
    });
  }

  async get(rawId: string): Promise<Timer> {
    const id = normalizeId(rawId);
    const record = id ? await this.options.store.find(id) : null;
    if (!record) throw new AppError('timer_not_found');
    return toView(record);
  }

  async list(query: ListTimersQuery): Promise<TimerPage> {
    const limit = query.limit ?? 20;
    const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    // One extra row tells whether another page follows without a COUNT.
    const rows = await this.options.store.list({ status: query.status, limit: limit + 1, beforeId });
    const items = rows.slice(0, limit).map(toView);
    const next = rows.length > limit ? encodeCursor(items[items.length - 1].id) : null;
    return { items, next_cursor: next };
  }

  async cancel(rawId: string): Promise<Timer> {
    const id = normalizeId(rawId);
    if (!id) throw new AppError('timer_not_found');
    const result = await this.options.store.cancel(id);
    switch (result.outcome) {
      case 'not_found':
        throw new AppError('timer_not_found');
      case 'not_cancelable':
        throw new AppError(
          'timer_not_cancelable',
          `Only a pending timer can be canceled; this one is ${result.timer.status}.`,
        );
      case 'canceled':
        this.options.metrics.timersCanceled.inc();
        this.options.quota?.forget(id);
        this.options.logger.info('Timer canceled', { timerId: id });
        return toView(result.timer);
    }
  }

  private delayOf(request: CreateTimerRequest): number {
    const total = (request.hours ?? 0) * 3600 + (request.minutes ?? 0) * 60 + (request.seconds ?? 0);
    if (total > this.options.maxDelaySeconds) {
      throw new AppError(
        'validation_failed',
        `The total delay must be at most ${this.options.maxDelaySeconds} seconds; got ${total}.`,
        [{ path: 'body', message: `total delay exceeds ${this.options.maxDelaySeconds} seconds` }],
      );
    }
    return total;
  }
}

/** An absolute http(s) URL with a host; returned in its normalized form. */
export function checkWebhookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl('url must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidUrl('url must use http or https');
  }
  if (!url.hostname) throw invalidUrl('url must name a host');
  return raw;
}

function invalidUrl(message: string): AppError {
  return new AppError('validation_failed', `Invalid request body: ${message}`, [{ path: 'url', message }]);
}

/** A finished or canceled timer has no time left, whatever its fire_at says. */
function isLive(record: TimerRecord): boolean {
  return record.status === 'pending' || record.status === 'firing';
}

export function toView(record: TimerRecord): Timer {
  return {
    id: record.id,
    status: record.status,
    url: record.url,
    time_left: isLive(record) && record.msLeft > 0 ? Math.ceil(record.msLeft / 1000) : 0,
    fire_at: record.fireAt.toISOString(),
    created_at: record.createdAt.toISOString(),
    fired_at: record.firedAt ? record.firedAt.toISOString() : null,
    attempts: record.attempts,
    last_error: record.lastError,
    schedule_id: record.scheduleId,
  };
}
