/**
 * The controller: claims due timers under a lease, delivers their webhooks with
 * bounded concurrency, and records each outcome fenced by the claim.
 *
 *   poll loop ── claimDue (SKIP LOCKED, lease) ──► deliver ──► OutcomeRecorder
 *        ▲                                            │
 *        └────────── wake when a slot frees ──────────┘
 */
import {
  ClaimedTimer,
  Clock,
  Config,
  errorFields,
  exponentialDelay,
  isTransientDbError,
  Logger,
  Metrics,
  settlesWithin,
  TimerStore,
} from '@timer/shared';
import { OutcomeRecorder } from './outcomes';
import { IterationResult, PollLoop } from './pollLoop';
import { PermanentDeliveryError, WebhookSender } from './webhook';

export type ControllerConfig = Pick<
  Config,
  | 'controllerId'
  | 'pollIntervalMs'
  | 'claimBatchSize'
  | 'maxInFlight'
  | 'leaseMs'
  | 'webhookTimeoutMs'
  | 'maxAttempts'
  | 'retryBaseMs'
  | 'retryMaxMs'
  | 'dbRetryBaseMs'
  | 'dbRetryMaxMs'
  | 'shutdownGraceMs'
>;

export interface ControllerDeps {
  config: ControllerConfig;
  store: TimerStore;
  logger: Logger;
  clock: Clock;
  /** Database clock minus host clock: lateness is measured on the database's time. */
  skewMs?: number;
  sender?: WebhookSender;
  metrics?: Metrics;
  random?: () => number;
}

interface Delivery {
  timer: ClaimedTimer;
  abort: AbortController;
  done: Promise<void>;
}

export class Controller {
  readonly id: string;
  private readonly loop: PollLoop;
  private readonly sender: WebhookSender;
  private readonly recorder: OutcomeRecorder;
  private readonly inFlight = new Map<string, Delivery>();
  private readonly metrics: Metrics;
  private backlogged = false;
  private stopping = false;
  private databaseDown = false;

  constructor(private readonly deps: ControllerDeps) {
    const { config } = deps;
    this.id = config.controllerId;
    this.metrics = deps.metrics ?? new Metrics({ processMetrics: false });
    this.sender =
      deps.sender ??
      new WebhookSender({
        timeoutMs: config.webhookTimeoutMs,
        maxSockets: config.maxInFlight,
        userAgent: 'timer-service',
      });
    this.recorder = new OutcomeRecorder({
      store: deps.store,
      owner: this.id,
      logger: deps.logger,
      clock: deps.clock,
      metrics: this.metrics,
      retryBaseMs: config.dbRetryBaseMs,
      retryMaxMs: config.dbRetryMaxMs,
    });
    this.loop = new PollLoop({
      intervalMs: config.pollIntervalMs,
      clock: deps.clock,
      iterate: () => this.claimAndDispatch(),
      onError: (err, failures) => this.onPollError(err, failures),
    });
  }

  start(): void {
    this.deps.logger.info('Controller started', {
      controllerId: this.id,
      pollIntervalMs: this.deps.config.pollIntervalMs,
      maxInFlight: this.deps.config.maxInFlight,
    });
    this.loop.start();
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Stop claiming; give in-flight requests up to SHUTDOWN_GRACE_MS to finish; abort
   * the rest and hand their timers back; record every outcome; close connections.
   */
  async stop(): Promise<void> {
    const { logger, config } = this.deps;
    this.stopping = true;
    await this.loop.stop();
    logger.info('Controller stopped claiming', { controllerId: this.id, inFlight: this.inFlight.size });

    const allDone = () => Promise.all([...this.inFlight.values()].map((d) => d.done));
    const finished = await settlesWithin(allDone(), config.shutdownGraceMs);
    if (!finished) {
      const abandoned = [...this.inFlight.values()].map((d) => d.timer);
      for (const delivery of this.inFlight.values()) delivery.abort.abort();
      await allDone();
      logger.warn('Shutdown grace over: released timers with requests still in flight', {
        controllerId: this.id,
        count: abandoned.length,
        timerIds: abandoned.slice(0, 20).map((t) => t.id),
      });
      this.recorder.release(abandoned, true);
    }
    const recorded = await this.recorder.drain(config.shutdownGraceMs);
    this.sender.close();
    logger.info('Controller stopped', { controllerId: this.id, outcomesRecorded: recorded });
  }

  private async claimAndDispatch(): Promise<IterationResult> {
    const { config, store, logger } = this.deps;
    const capacity = config.maxInFlight - this.inFlight.size;
    if (capacity <= 0) {
      this.backlogged = true;
      return 'idle';
    }
    const limit = Math.min(config.claimBatchSize, capacity);
    const endClaim = this.metrics.claimDuration.startTimer();
    const claimed = await store.claimDue(this.id, limit, config.leaseMs);
    endClaim();
    this.metrics.claimBatchSize.observe(claimed.length);
    if (this.databaseDown) {
      this.databaseDown = false;
      logger.info('Database reachable again', { controllerId: this.id });
    }
    if (claimed.length > 0) logger.debug('Claimed timers', { controllerId: this.id, count: claimed.length });
    for (const timer of claimed) this.dispatch(timer);
    this.backlogged = claimed.length === limit;
    return this.backlogged ? 'again' : 'idle';
  }

  private onPollError(err: unknown, failures: number): number {
    const { config, logger } = this.deps;
    const delayMs = exponentialDelay(failures, config.dbRetryBaseMs, config.dbRetryMaxMs, this.deps.random);
    this.metrics.dbErrors.inc({ operation: 'claim' });
    if (isTransientDbError(err)) {
      this.databaseDown = true;
      logger.warn('Database unavailable, backing off', {
        controllerId: this.id,
        failures,
        delayMs,
        ...errorFields(err),
      });
    } else {
      logger.error('Claim failed', { controllerId: this.id, failures, delayMs, ...errorFields(err) });
    }
    return delayMs;
  }

  private dispatch(timer: ClaimedTimer): void {
    const abort = new AbortController();
    const delivery: Delivery = { timer, abort, done: Promise.resolve() };
    delivery.done = this.deliver(timer, abort.signal).finally(() => {
      this.inFlight.delete(timer.id);
      this.metrics.inFlight.set(this.inFlight.size);
      if (this.backlogged && !this.stopping) this.loop.wake();
    });
    this.inFlight.set(timer.id, delivery);
    this.metrics.inFlight.set(this.inFlight.size);
  }

  private async deliver(timer: ClaimedTimer, signal: AbortSignal): Promise<void> {
    const { config, logger, clock } = this.deps;
    const fields = { timerId: timer.id, attempt: timer.attempt, controllerId: this.id };
    const latenessMs = clock.now() + (this.deps.skewMs ?? 0) - timer.fireAt.getTime();
    if (timer.attempt === 1) this.metrics.fireLateness.observe(Math.max(0, latenessMs) / 1000);
    const endRequest = this.metrics.webhookDuration.startTimer();
    try {
      const status = await this.sender.send(timer, signal);
      endRequest();
      this.metrics.webhooks.inc({ outcome: 'delivered' });
      logger.info('Webhook delivered', { ...fields, status, latenessMs });
      this.recorder.markFired(timer);
    } catch (err) {
      endRequest();
      // Aborted by stop(): the timer is released there, not retried here.
      if (signal.aborted) return;
      const reason = err instanceof Error ? err.message : String(err);
      if (err instanceof PermanentDeliveryError || timer.attempt >= config.maxAttempts) {
        logger.warn('Webhook failed, giving up', {
          ...fields,
          error: reason,
          permanent: err instanceof PermanentDeliveryError,
        });
        this.metrics.webhooks.inc({ outcome: 'failed' });
        this.recorder.markFailed(timer, reason);
      } else {
        const delayMs = exponentialDelay(timer.attempt, config.retryBaseMs, config.retryMaxMs, this.deps.random);
        logger.warn('Webhook failed, will retry', { ...fields, error: reason, delayMs });
        this.metrics.webhooks.inc({ outcome: 'retry' });
        this.recorder.scheduleRetry(timer, delayMs, reason);
      }
    }
  }
}
