/**
 * The api's rules about timers: how a request becomes a timer, which URLs are
 * acceptable (and where they may point), who may have how many, what a repeated
 * Idempotency-Key gets, how pages are cut (changes.ts: what may change after).
 * Every read and change is of the caller's tenant only (`sees`: null for an
 * admin key without X-Tenant), in the query itself. No HTTP, no SQL.
 */
import { DEFAULT_TENANT, flowKeyOf, newId, noTracing, originOf } from '@timer/shared';
import type { CancelSignal, Clock, Logger, Metrics, NewTimer, Span, Store, TimerRecord, Tracing } from '@timer/shared';
import { AppError } from '../errors';
import type {
  AttemptPage,
  CreateTimerRequest,
  CreateTimersBatchRequest,
  ListAttemptsQuery,
  ListTimersQuery,
  Timer,
  TimerPage,
} from '../schemas';
import type { Nudger } from './nudger';
import { Client, OPEN_CLIENT } from './client';
import { requestHashes } from './idempotency';
import { decodeCursor, decodeTokenCursor, encodeCursor, normalizeId } from './ids';
import type { PendingQuota } from './pendingQuota';
import { labelTerms, planBatch } from './timerBatch';
import { checkWebhookUrl, planTimer, TimerPlan } from './timerRequest';
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
  /** MAX_BATCH_SIZE and MAX_CANCEL_PER_CALL. */
  limits: { maxBatchSize: number; maxCancelPerCall: number };
  /** The create's spans, and the context stored with each timer (README "Tracing"); off by default. */
  tracing?: Tracing;
}

/** What POST /timers answers: a new timer (201), or the one an Idempotency-Key already names (200). */
export interface Created {
  timer: Timer;
  replayed: boolean;
}

/** What POST /timers/batch answers: the timers created (201), or those an Idempotency-Key already names (200). */
export interface CreatedBatch {
  timers: Timer[];
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
    signal?: CancelSignal,
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
    signal?: CancelSignal,
  ): Promise<Created> {
    const now = this.options.dbClock.now();
    const plan = planTimer(request, now, this.options.maxDelaySeconds, this.options);
    const timer = newTimer(request, plan, client, now, span);
    if (this.tracing.enabled) {
      span.setAttributes({ 'timer.id': timer.id, 'timer.fire_at': plan.fireAt.toISOString() });
    }
    if (idempotencyKey === null) {
      await this.checkTargets([timer]);
      await this.admitAndStore([timer], () => this.inserting(() => this.options.store.timers.create(timer, signal)));
    } else {
      const earlier = await this.createOnce(span, [timer], {
        tenant: client.tenant,
        key: idempotencyKey,
        body: request,
      });
      if (earlier) return { timer: earlier[0], replayed: true };
    }
    this.announce([timer], [plan.delayMs]);
    return { timer: viewOfNew(timer, plan, now), replayed: false };
  }

  /**
   * All of `request.timers` in one transaction, or none (a 400 names every bad
   * item by its index). One span for the batch (`timer.create_batch`); its context
   * is stored with each timer, so every delivery of the batch joins its trace.
   */
  createBatch(
    request: CreateTimersBatchRequest,
    client: Pick<Client, 'owner' | 'tenant'> = OPEN_CLIENT,
    idempotencyKey: string | null = null,
  ): Promise<CreatedBatch> {
    return this.tracing.inSpan(
      'timer.create_batch',
      { attributes: { 'timer.batch_size': request.timers.length } },
      (span) => this.createBatchIn(span, request, client, idempotencyKey),
    );
  }

  private async createBatchIn(
    span: Span,
    request: CreateTimersBatchRequest,
    client: Pick<Client, 'owner' | 'tenant'>,
    idempotencyKey: string | null,
  ): Promise<CreatedBatch> {
    const now = this.options.dbClock.now();
    const plans = planBatch(request.timers, now, this.options.maxDelaySeconds, {
      ...this.options,
      maxBatchSize: this.options.limits.maxBatchSize,
    });
    // planBatch has read every URL; each distinct one's flow key is worked out once.
    const origins = new Map<string, string>();
    const timers = request.timers.map((item, i) => {
      let flowKey = item.flow_key || origins.get(item.url);
      if (flowKey === undefined) origins.set(item.url, (flowKey = flowKeyOf(item.url, null)));
      return newTimer(item, plans[i], client, now, span, item.url, flowKey);
    });
    if (idempotencyKey === null) {
      await this.checkTargets(timers);
      await this.admitAndStore(timers, () => this.inserting(() => this.options.store.timers.createBatch(timers)));
    } else {
      const earlier = await this.createOnce(span, timers, {
        tenant: client.tenant,
        key: idempotencyKey,
        body: request,
      });
      if (earlier) return { timers: earlier, replayed: true };
    }
    this.announce(
      timers,
      plans.map((p) => p.delayMs),
    );
    return { timers: timers.map((t, i) => viewOfNew(t, plans[i], now)), replayed: false };
  }

  async get(rawId: string, sees: string | null = OPEN_CLIENT.sees): Promise<Timer> {
    const id = normalizeId(rawId);
    const record = id ? await this.options.store.timers.find(id, sees) : null;
    if (!record) throw new AppError('timer_not_found');
    return toView(await this.withOriginWait(record));
  }

  /** A due timer not waiting for its flow may be waiting for its origin: one primary-key read, only then. */
  private async withOriginWait(record: TimerRecord): Promise<TimerRecord> {
    if (record.status !== 'pending' || record.waiting !== null || record.msLeft > 0) return record;
    const block = await this.options.store.flows.originBlock(originOf(record.url) ?? record.url);
    if (!block) return record;
    return { ...record, waiting: block.reason === 'breaker' ? 'breaker' : 'origin_backoff' };
  }

  async list(query: ListTimersQuery, sees: string | null = OPEN_CLIENT.sees): Promise<TimerPage> {
    const limit = query.limit ?? 20;
    const filter = {
      status: query.status,
      labels: labelTerms(query.label),
      idPrefix: query.id_prefix?.toLowerCase(),
      retrying: query.retrying,
      scheduleId: query.schedule_id?.toLowerCase(),
      // One extra row tells whether another page follows without a COUNT.
      limit: limit + 1,
      beforeId: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      tenant: sees,
    };
    const flowKeys = query.host === undefined ? [query.flow && flowKeyAsked(query.flow)] : hostOrigins(query);
    // A host is two origins (https, http): each a range of timers_tenant_flow_key_id, merged newest first.
    const pages = await Promise.all(flowKeys.map((flowKey) => this.options.store.timers.list({ ...filter, flowKey })));
    const rows = pages.length === 1 ? pages[0] : pages.flat().sort((a, b) => (a.id < b.id ? 1 : -1));
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

  /**
   * Stores `timers` under the key, or returns the timers the key already names.
   * The key's primary key settles concurrent duplicates (insertIdempotentTimer);
   * a request that loses reads the winner's row on the next round. A key sent
   * with a batch names the whole set.
   */
  private async createOnce(
    span: Span,
    timers: NewTimer[],
    key: { tenant: string; key: string; body: CreateTimerRequest | CreateTimersBatchRequest },
  ): Promise<Timer[] | null> {
    const { store } = this.options;
    // Keyed with the data keys: a stored hash reveals nothing of the request; one under an older key still matches.
    const hashes = requestHashes(key.body, store.dataKeys);
    const hash = hashes[0];
    const batch = 'timers' in key.body;
    let targetsChecked = false;
    for (let round = 1; round <= IDEMPOTENCY_ROUNDS; round++) {
      // Idempotency keys are per tenant: the key table's owner column holds the tenant.
      const existing = await store.timers.findIdempotencyKey(key.tenant, key.key);
      if (existing?.live) {
        if (!hashes.includes(existing.requestHash)) throw new AppError('idempotency_key_reused');
        const ids = existing.timerIds ?? [existing.timerId];
        const earlier = await store.timers.findMany(ids, key.tenant);
        if (earlier.length !== ids.length) {
          throw new AppError(
            'idempotency_key_reused',
            `This Idempotency-Key names ${batch ? 'timers' : 'a timer'} that no longer exist${batch ? '' : 's'}; send the request with a new key.`,
          );
        }
        // The timers keep the trace they were created in; this request's span points to it.
        span.setAttributes({ 'timer.id': earlier[0].id, 'timer.idempotent_replayed': true });
        for (const record of earlier) span.addLink(record.trace);
        return earlier.map(toView);
      }
      // Only now: a repeated request is answered without resolving its hosts again.
      if (!targetsChecked) await this.checkTargets(timers);
      targetsChecked = true;
      const outcome = await this.admitAndStore(timers, () =>
        this.inserting(() =>
          batch
            ? store.timers.createBatch(timers, { owner: key.tenant, key: key.key, requestHash: hash })
            : store.timers.createIdempotent(timers[0], { owner: key.tenant, key: key.key, requestHash: hash }),
        ),
      );
      if (outcome === 'created') return null;
      for (const t of timers) this.options.quota?.forget(t.id);
    }
    throw new AppError(
      'idempotency_key_reused',
      'Other requests with this Idempotency-Key are being processed right now; retry shortly.',
    );
  }

  /** WEBHOOK_TARGETS for each distinct URL; in a batch, a refusal names the items it refuses. */
  private async checkTargets(timers: readonly NewTimer[]): Promise<void> {
    // The webhook URL and the callback URLs of each timer: each distinct URL is checked once.
    const wanted = timers.flatMap((t, i) => [
      { i, field: 'url', url: t.url },
      ...(t.callbacks?.onSuccess ? [{ i, field: 'callbacks.on_success', url: t.callbacks.onSuccess }] : []),
      ...(t.callbacks?.onFailure ? [{ i, field: 'callbacks.on_failure', url: t.callbacks.onFailure }] : []),
    ]);
    if (wanted.length === 1) return this.options.targets.check(wanted[0].url);
    const refusals = new Map<string, AppError>();
    await Promise.all(
      [...new Set(wanted.map((w) => w.url))].map((url) =>
        this.options.targets.check(url).catch((err: unknown) => {
          if (!(err instanceof AppError)) throw err;
          refusals.set(url, err);
        }),
      ),
    );
    if (refusals.size === 0) return;
    const batch = timers.length > 1;
    const details = wanted.flatMap((w) =>
      (refusals.get(w.url)?.details ?? []).map((d) => ({
        path: batch ? `timers.${w.i}.${w.field}` : w.field,
        message: `${batch ? `timers[${w.i}]: ` : ''}${w.field === 'url' ? '' : `${w.field}: `}${d.message}`,
      })),
    );
    const first = refusals.values().next().value as AppError;
    throw new AppError(first.code, `Invalid request body: ${details.map((d) => d.message).join('; ')}`, details);
  }

  /** Counts the timers against MAX_PENDING_PER_KEY, then stores them (taking them back from the count on failure). */
  private async admitAndStore<T>(timers: readonly NewTimer[], store: () => Promise<T>): Promise<T> {
    const { quota } = this.options;
    await quota?.admit(timers[0].tenant ?? DEFAULT_TENANT, timers);
    try {
      return await store();
    } catch (err) {
      for (const t of timers) quota?.forget(t.id);
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

  /** New timers are stored: nudge the controllers if one is due before their next poll, count them, log them. */
  private announce(timers: readonly NewTimer[], delaysMs: readonly number[]): void {
    if (delaysMs.some((ms) => ms < this.options.nudgeWithinMs)) this.options.nudger.nudge();
    this.options.metrics.timersCreated.inc(timers.length);
    const { logger } = this.options;
    // Checked first: winston formats a line before it filters it by level.
    if (logger.isDebugEnabled()) {
      timers.forEach((t, i) =>
        logger.debug('Timer created', { timerId: t.id, fireAt: t.fireAt.toISOString(), delayMs: delaysMs[i] }),
      );
    }
  }
}

/** The row to store for a request whose plan is made. */
function newTimer(
  request: CreateTimerRequest,
  plan: TimerPlan,
  client: Pick<Client, 'owner' | 'tenant'>,
  now: number,
  span: Span,
  url = checkWebhookUrl(request.url),
  flowKey = flowKeyOf(url, request.flow_key),
): NewTimer {
  return {
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
    labels: request.labels ?? {},
    callbacks: plan.callbacks,
    trace: span.context,
    flowKey,
  };
}

/**
 * What the api shows of a timer it has just stored, without reading it back. The
 * record is written out field by field, not spread from the NewTimer: a spread
 * of some twenty properties builds a slow dictionary-mode object, and a batch of
 * 1,000 spent more time here than in its INSERT (README "Batches and labels").
 */
function viewOfNew(timer: NewTimer, plan: TimerPlan, now: number): Timer {
  return toView({
    id: timer.id,
    url: timer.url,
    status: 'pending',
    fireAt: plan.fireAt,
    dueAt: timer.dueAt ?? plan.fireAt,
    createdAt: timer.createdAt,
    firedAt: null,
    attempts: 0,
    lastError: null,
    scheduleId: null,
    msLeft: plan.fireAt.getTime() - now,
    retry: plan.retry,
    maxLatenessSeconds: plan.maxLatenessSeconds,
    version: 1,
    webhook: plan.webhook,
    labels: timer.labels ?? {},
    callbacks: plan.callbacks,
    trace: timer.trace ?? null,
    flowKey: timer.flowKey!,
    waiting: null,
  });
}

/**
 * The flow key `?flow=` asks for: an origin (https://host, https://host:443/) as
 * the api records it, with its port and no slash, so either spelling finds it
 * (one key: one range of timers_flow_key_id); any other key as written.
 */
/** GET /timers?host=: the https and http origins of that host (its port, else each scheme's default). */
function hostOrigins(query: Pick<ListTimersQuery, 'host' | 'flow'>): string[] {
  const problem = (message: string) => new AppError('validation_failed', message, [{ path: 'host', message }]);
  if (query.flow !== undefined) throw problem('host and flow cannot be combined');
  const host = query.host!.toLowerCase();
  const port = /:(\d+)$/.exec(host)?.[1];
  const name = port === undefined ? host : host.slice(0, -port.length - 1);
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    throw problem('host: the port must be 1 to 65535');
  return [`https://${name}:${port ?? 443}`, `http://${name}:${port ?? 80}`];
}

function flowKeyAsked(value: string): string {
  const origin = /^https?:\/\/[^/?#@]+\/?$/i.test(value) ? originOf(value) : null;
  return origin ?? value;
}
