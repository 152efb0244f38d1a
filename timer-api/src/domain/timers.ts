/**
 * The api's rules about timers: how a request becomes a timer, which URLs are
 * acceptable (and where they may point), who may have how many, what a repeated
 * Idempotency-Key gets, when a timer may be canceled or replayed, how pages are
 * cut. Every read and change is of the caller's tenant only (`sees`: null for an
 * admin key without X-Tenant), in the query itself. No HTTP, no SQL.
 */
import { DEFAULT_TENANT, newId, noTracing, readWebhookUrl } from '@timer/shared';
import type { Clock, Logger, Metrics, NewTimer, Span, Store, Tracing } from '@timer/shared';
import { AppError } from '../errors';
import type { AttemptPage, CreateTimerRequest, ListAttemptsQuery, ListTimersQuery, Timer, TimerPage } from '../schemas';
import type { Nudger } from './nudger';
import { Client, OPEN_CLIENT } from './client';
import { requestHashes } from './idempotency';
import { decodeCursor, decodeTokenCursor, encodeCursor, normalizeId } from './ids';
import type { PendingQuota } from './pendingQuota';
import { planTimer } from './timerRequest';
import { toAttemptView, toView } from './views';
import type { WebhookTargets } from './webhookTargets';

export interface TimerServiceOptions {
  store: Store;
  logger: Logger;
  metrics: Metrics;
  maxDelaySeconds: number;
  /** MAX_PAYLOAD_BYTES. */
  maxPayloadBytes: number;
  /** The database's clock: created_at and fire_at are on database time. */
  dbClock: Clock;
  nudger: Nudger;
  /** WEBHOOK_TARGETS: where a webhook may be sent. */
  targets: WebhookTargets;
  /** The tenants' quotas: pending timers and creates per second. */
  quota?: PendingQuota;
  /** A timer due sooner than this is announced to the controllers (their poll interval plus a margin). */
  nudgeWithinMs: number;
  /** The create's spans, and the context stored with each timer (README "Tracing"); off by default. */
  tracing?: Tracing;
}

/** What POST /timers answers: a new timer (201), or the one an Idempotency-Key already names (200). */
export interface Created {
  timer: Timer;
  replayed: boolean;
}

/** Rounds of "read the key, try to take it" before giving up on a key other requests keep taking. */
const IDEMPOTENCY_ROUNDS = 3;

export class TimerService {
  private readonly tracing: Tracing;

  constructor(private readonly options: TimerServiceOptions) {
    this.tracing = options.tracing ?? noTracing;
  }

  /**
   * The create is a span (`timer.create`, a child of the request's), and its
   * context is stored with the timer: every delivery continues that trace.
   */
  create(
    request: CreateTimerRequest,
    client: Pick<Client, 'owner' | 'tenant'> = OPEN_CLIENT,
    idempotencyKey: string | null = null,
    /** Aborted when the caller has stopped waiting: a timer not yet sent to the database is dropped. */
    signal?: AbortSignal,
  ): Promise<Created> {
    return this.tracing.inSpan('timer.create', {}, (span) =>
      this.createIn(span, request, client, idempotencyKey, signal),
    );
  }

  private async createIn(
    span: Span,
    request: CreateTimerRequest,
    client: Pick<Client, 'owner' | 'tenant'>,
    idempotencyKey: string | null,
    signal?: AbortSignal,
  ): Promise<Created> {
    const now = this.options.dbClock.now();
    const plan = planTimer(request, now, this.options.maxDelaySeconds, this.options);
    const url = checkWebhookUrl(request.url);
    const timer: NewTimer = {
      id: newId(),
      url,
      createdAt: new Date(now),
      fireAt: plan.fireAt,
      dueAt: plan.dueAt,
      owner: client.owner,
      tenant: client.tenant,
      retry: plan.retry,
      maxLatenessSeconds: plan.maxLatenessSeconds,
      webhook: plan.webhook,
      trace: span.context,
    };
    span.setAttributes({ 'timer.id': timer.id, 'timer.fire_at': plan.fireAt.toISOString() });
    if (idempotencyKey === null) {
      await this.options.targets.check(url);
      await this.admitAndStore(timer, () => this.inserting(() => this.options.store.timers.create(timer, signal)));
    } else {
      const earlier = await this.createOnce(span, timer, { tenant: client.tenant, key: idempotencyKey, body: request });
      if (earlier) return { timer: earlier, replayed: true };
    }
    this.announce(timer, plan.delayMs);
    return {
      timer: toView({
        ...timer,
        status: 'pending',
        firedAt: null,
        attempts: 0,
        lastError: null,
        scheduleId: null,
        msLeft: plan.fireAt.getTime() - now,
        retry: plan.retry,
        maxLatenessSeconds: plan.maxLatenessSeconds,
        webhook: plan.webhook,
        trace: timer.trace ?? null,
      }),
      replayed: false,
    };
  }

  async get(rawId: string, sees: string | null = OPEN_CLIENT.sees): Promise<Timer> {
    const id = normalizeId(rawId);
    const record = id ? await this.options.store.timers.find(id, sees) : null;
    if (!record) throw new AppError('timer_not_found');
    return toView(record);
  }

  async list(query: ListTimersQuery, sees: string | null = OPEN_CLIENT.sees): Promise<TimerPage> {
    const limit = query.limit ?? 20;
    const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    // One extra row tells whether another page follows without a COUNT.
    const rows = await this.options.store.timers.list({
      status: query.status,
      limit: limit + 1,
      beforeId,
      tenant: sees,
    });
    const items = rows.slice(0, limit).map(toView);
    const next = rows.length > limit ? encodeCursor(items[items.length - 1].id) : null;
    return { items, next_cursor: next };
  }

  async attempts(
    rawId: string,
    query: ListAttemptsQuery,
    sees: string | null = OPEN_CLIENT.sees,
  ): Promise<AttemptPage> {
    const id = normalizeId(rawId);
    if (!id || !(await this.options.store.timers.find(id, sees))) throw new AppError('timer_not_found');
    const limit = query.limit ?? 100;
    const afterLeaseToken = query.cursor === undefined ? undefined : decodeTokenCursor(query.cursor);
    const rows = await this.options.store.attempts.list({ timerId: id, limit: limit + 1, afterLeaseToken });
    const items = rows.slice(0, limit).map(toAttemptView);
    const next = rows.length > limit ? encodeCursor(String(items[items.length - 1].lease_token)) : null;
    return { items, next_cursor: next };
  }

  async cancel(rawId: string, sees: string | null = OPEN_CLIENT.sees): Promise<Timer> {
    const id = normalizeId(rawId);
    if (!id) throw new AppError('timer_not_found');
    const result = await this.options.store.timers.cancel(id, sees);
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

  /** A failed timer back to pending, due now, with a fresh series of attempts. */
  async retry(rawId: string, sees: string | null = OPEN_CLIENT.sees): Promise<Timer> {
    const id = normalizeId(rawId);
    if (!id) throw new AppError('timer_not_found');
    // The new series of deliveries continues the replay's trace, linked to the creation (README "Tracing").
    const result = await this.tracing.inSpan('timer.replay', { attributes: { 'timer.id': id } }, (span) =>
      this.options.store.timers.replay(id, sees, span.context),
    );
    switch (result.outcome) {
      case 'not_found':
        throw new AppError('timer_not_found');
      case 'not_retryable':
        throw new AppError(
          'timer_not_retryable',
          `Only a failed timer can be retried; this one is ${result.timer.status}.`,
        );
      case 'replayed':
        this.options.nudger.nudge();
        this.options.logger.info('Timer replayed', { timerId: id, lastError: result.timer.lastError });
        return toView(result.timer);
    }
  }

  /**
   * Stores `timer` under the key, or returns the timer the key already names.
   * The key's primary key settles concurrent duplicates (insertIdempotentTimer);
   * a request that loses reads the winner's row on the next round.
   */
  private async createOnce(
    span: Span,
    timer: NewTimer,
    key: { tenant: string; key: string; body: CreateTimerRequest },
  ): Promise<Timer | null> {
    const { store } = this.options;
    // Keyed with the data keys: a stored hash reveals nothing of the request; one under an older key still matches.
    const hashes = requestHashes(key.body, store.dataKeys);
    const hash = hashes[0];
    let targetChecked = false;
    for (let round = 1; round <= IDEMPOTENCY_ROUNDS; round++) {
      // Idempotency keys are per tenant: the key table's owner column holds the tenant.
      const existing = await store.timers.findIdempotencyKey(key.tenant, key.key);
      if (existing?.live) {
        if (!hashes.includes(existing.requestHash)) throw new AppError('idempotency_key_reused');
        const earlier = await store.timers.find(existing.timerId, key.tenant);
        if (!earlier) {
          throw new AppError(
            'idempotency_key_reused',
            'This Idempotency-Key names a timer that no longer exists; send the request with a new key.',
          );
        }
        // The timer keeps the trace it was created in; this request's span points to it.
        span.setAttributes({ 'timer.id': earlier.id, 'timer.idempotent_replayed': true });
        span.addLink(earlier.trace);
        return toView(earlier);
      }
      // Only now: a repeated request is answered without resolving its host again.
      if (!targetChecked) await this.options.targets.check(timer.url);
      targetChecked = true;
      const outcome = await this.admitAndStore(timer, () =>
        this.inserting(() =>
          store.timers.createIdempotent(timer, { owner: key.tenant, key: key.key, requestHash: hash }),
        ),
      );
      if (outcome === 'created') return null;
      this.options.quota?.forget(timer.id);
    }
    throw new AppError(
      'idempotency_key_reused',
      'Other requests with this Idempotency-Key are being processed right now; retry shortly.',
    );
  }

  /** Counts the timer against its tenant's quotas, then stores it (taking it back from the count on failure). */
  private async admitAndStore<T>(timer: NewTimer, store: () => Promise<T>): Promise<T> {
    const { quota } = this.options;
    await quota?.admit(timer.tenant ?? DEFAULT_TENANT, timer);
    try {
      return await store();
    } catch (err) {
      quota?.forget(timer.id);
      throw err;
    }
  }

  /**
   * The database write, as a CLIENT span (database semantic conventions). A
   * coalesced create shares its INSERT with others: the span is this request's
   * wait for it to commit.
   */
  private inserting<T>(insert: () => Promise<T>): Promise<T> {
    const { tracing } = this;
    if (!tracing.enabled) return insert();
    const { store } = this.options;
    const attributes = {
      'db.system.name': store.dialect === 'sqlite' ? 'sqlite' : 'mysql',
      'db.operation.name': 'INSERT',
      'db.collection.name': 'timers',
    };
    return tracing.inSpan('INSERT timers', { kind: 'client', attributes }, insert);
  }

  /** A new timer is stored: nudge the controllers if it is due before their next poll, count it, log it. */
  private announce(timer: NewTimer, delayMs: number): void {
    if (delayMs < this.options.nudgeWithinMs) this.options.nudger.nudge();
    this.options.metrics.timersCreated.inc();
    const { logger } = this.options;
    // Checked first: winston formats a line before it filters it by level.
    if (logger.isDebugEnabled()) {
      logger.debug('Timer created', { timerId: timer.id, fireAt: timer.fireAt.toISOString(), delayMs });
    }
  }
}

/** An absolute http(s) URL with a host; returned in its normalized form. */
/**
 * A webhook URL the controller can send to, read by the controller's own rules
 * (@timer/shared readWebhookUrl), or a 400 naming the problem.
 */
export function checkWebhookUrl(raw: string): string {
  const reading = readWebhookUrl(raw);
  if (!reading.ok) throw invalidUrl(reading.problem);
  return raw;
}

function invalidUrl(message: string): AppError {
  return new AppError('validation_failed', `Invalid request body: ${message}`, [{ path: 'url', message }]);
}
