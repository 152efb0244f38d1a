/**
 * The controller: claims timers a little before they are due, under a lease;
 * holds them in a local timer wheel; sends each webhook on its due millisecond
 * with bounded concurrency; records each outcome fenced by the claim.
 *
 *   poll loop ─ claimDue(lookahead) ─► wheel (min-heap) ─ due ─► ready ─ slot ─► send ─► OutcomeRecorder
 *        ▲  ▲                                                                      │
 *        │  └── nudge (api: a new timer is due before the next poll)                │
 *        └───────────────────── wake when capacity frees ──────────────────────────┘
 */
import {
  ClaimedTimer,
  Clock,
  Config,
  DbClock,
  errorFields,
  exponentialDelay,
  isTransientDbError,
  Logger,
  Metrics,
  settlesWithin,
  Store,
} from '@timer/shared';
import { ActivityLog } from './activity';
import { DeliveryOutcomes } from './deliveryOutcomes';
import { OutcomeRecorder } from './outcomes';
import { IterationResult, PollLoop } from './pollLoop';
import { MinHeap, Queue } from './schedule';
import { Sending, WebhookSender } from './webhook';

export type ControllerConfig = Pick<
  Config,
  | 'controllerId'
  | 'pollIntervalMs'
  | 'lookaheadMs'
  | 'claimBatchSize'
  | 'maxInFlight'
  | 'maxHeld'
  | 'leaseMs'
  | 'webhookTimeoutMs'
  | 'maxAttempts'
  | 'retryBaseMs'
  | 'retryMaxMs'
  | 'dbRetryBaseMs'
  | 'dbRetryMaxMs'
  | 'shutdownGraceMs'
  | 'webhookSecrets'
  | 'webhookTargets'
>;

export interface ControllerDeps {
  config: ControllerConfig;
  store: Store;
  logger: Logger;
  /** The host's clock: back-off and timeouts. */
  clock: Clock;
  /** The database's clock: when a claimed timer is due, and how late it was sent. */
  dbClock?: DbClock;
  sender?: WebhookSender;
  metrics?: Metrics;
  random?: () => number;
}

/** A claimed timer waiting in this process, with its lease as this process sees it. */
interface Held {
  timer: ClaimedTimer;
  dueMs: number;
  /** Database time after which another controller may take the timer. */
  leaseEndsMs: number;
}

interface Delivery {
  timer: ClaimedTimer;
  sending: Sending;
  done: Promise<void>;
}

/**
 * Do not start a request unless the lease outlives its time limit by this much
 * (room to abort and stop). LEASE_MS ≥ WEBHOOK_TIMEOUT_MS + 1000 (checked at
 * start) leaves at least 750 ms for a claimed timer to wait for a free slot.
 */
const LEASE_SAFETY_MS = 250;

export class Controller {
  readonly id: string;
  private readonly loop: PollLoop;
  private readonly sender: WebhookSender;
  private readonly recorder: OutcomeRecorder;
  private readonly outcomes: DeliveryOutcomes;
  private readonly metrics: Metrics;
  private readonly dbClock: DbClock;
  private readonly activity: ActivityLog;
  private readonly wheel = new MinHeap<Held>((h) => h.dueMs);
  private readonly ready = new Queue<Held>();
  private readonly inFlight = new Map<string, Delivery>();
  private wheelTimer: NodeJS.Timeout | null = null;
  private wheelArmedFor = Infinity;
  private backlogged = false;
  private stopping = false;
  private databaseDown = false;
  /** A claim failed after it may have reached the database: it may have committed (see releaseClaimsInDoubt). */
  private claimInDoubt = false;

  constructor(private readonly deps: ControllerDeps) {
    const { config } = deps;
    this.id = config.controllerId;
    this.metrics = deps.metrics ?? new Metrics({ processMetrics: false });
    this.metrics.countInFlight(() => this.inFlight.size);
    this.dbClock = deps.dbClock ?? new DbClock(deps.clock);
    this.activity = new ActivityLog(deps.logger, this.id);
    this.sender =
      deps.sender ??
      new WebhookSender({
        timeoutMs: config.webhookTimeoutMs,
        maxSockets: config.maxInFlight,
        userAgent: 'timer-service',
        signingKeys: config.webhookSecrets,
        targets: config.webhookTargets,
      });
    this.recorder = new OutcomeRecorder({
      store: deps.store,
      clock: deps.clock,
      owner: this.id,
      logger: deps.logger,
      metrics: this.metrics,
      retryBaseMs: config.dbRetryBaseMs,
      retryMaxMs: config.dbRetryMaxMs,
      leaseMs: config.leaseMs,
    });
    this.outcomes = new DeliveryOutcomes({
      retryDefaults: config,
      logger: deps.logger,
      metrics: this.metrics,
      activity: this.activity,
      recorder: this.recorder,
      dbClock: this.dbClock,
      clock: deps.clock,
      controllerId: this.id,
      random: deps.random,
    });
    this.loop = new PollLoop({
      intervalMs: config.pollIntervalMs,
      clock: deps.clock,
      iterate: () => this.claim(),
      onError: (err, failures) => this.onPollError(err, failures),
    });
  }

  start(): void {
    const { config, logger } = this.deps;
    logger.info('Controller started', {
      controllerId: this.id,
      pollIntervalMs: config.pollIntervalMs,
      lookaheadMs: config.lookaheadMs,
      maxInFlight: config.maxInFlight,
    });
    this.activity.start();
    this.loop.start();
  }

  /** Something new may be due before the next poll: poll now. */
  nudge(): void {
    if (!this.stopping) this.loop.wake();
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get heldCount(): number {
    return this.wheel.size + this.ready.length;
  }

  /**
   * Stop claiming; hand back every timer not yet sent; give in-flight requests up
   * to SHUTDOWN_GRACE_MS to finish, then abort them and hand those back too;
   * record every outcome; close connections.
   */
  async stop(): Promise<void> {
    const { logger, config } = this.deps;
    this.stopping = true;
    await this.loop.stop();
    this.disarm();
    const unsent = [...this.wheel.drain(), ...this.ready.drain()].map((h) => h.timer);
    this.recorder.releaseUnsent(unsent);
    logger.info('Controller stopped claiming', {
      controllerId: this.id,
      inFlight: this.inFlight.size,
      released: unsent.length,
    });

    const allDone = () => Promise.all([...this.inFlight.values()].map((d) => d.done));
    if (!(await settlesWithin(this.deps.clock, allDone(), config.shutdownGraceMs))) {
      const abandoned = [...this.inFlight.values()].map((d) => d.timer);
      this.outcomes.abandon();
      for (const delivery of this.inFlight.values()) delivery.sending.abort();
      await allDone();
      logger.warn('Shutdown grace over: released timers with requests still in flight', {
        controllerId: this.id,
        count: abandoned.length,
        timerIds: abandoned.slice(0, 20).map((t) => t.id),
      });
      this.recorder.releaseAbandoned(abandoned, this.outcomes.takeAbandonedAttempts());
    }
    const recorded = await this.recorder.drain(config.shutdownGraceMs);
    this.activity.stop();
    await this.sender.close();
    logger.info('Controller stopped', { controllerId: this.id, outcomesRecorded: recorded });
  }

  private async claim(): Promise<IterationResult> {
    const { config, store, logger } = this.deps;
    const capacity = config.maxHeld - this.heldCount - this.inFlight.size;
    if (capacity <= 0) {
      this.backlogged = true;
      return 'idle';
    }
    if (this.claimInDoubt) await this.releaseClaimsInDoubt();
    const limit = Math.min(config.claimBatchSize, capacity);
    // Read before the claim, so the lease end computed from it is never later than the database's.
    const claimedAt = this.dbClock.now();
    const endClaim = this.metrics.claimDuration.startTimer();
    const claimed = await store.claims.claimDue({
      owner: this.id,
      limit,
      leaseMs: config.leaseMs,
      lookaheadMs: config.lookaheadMs,
    });
    endClaim();
    this.metrics.claimBatchSize.observe(claimed.length);
    if (this.databaseDown) {
      this.databaseDown = false;
      logger.info('Database reachable again', { controllerId: this.id });
    }
    for (const timer of claimed) {
      const dueMs = timer.dueAt.getTime();
      this.wheel.push({ timer, dueMs, leaseEndsMs: Math.max(dueMs, claimedAt) + config.leaseMs });
    }
    this.tick();
    this.backlogged = claimed.length === limit;
    return this.backlogged ? 'again' : 'idle';
  }

  /**
   * A claim that failed on a lost connection may have committed on the server
   * before the answer was lost. Its timers are ours in the database but unknown
   * here: nobody would send them until their lease ran out. Once the database
   * answers again, every timer it says we hold that is not in the wheel, the
   * ready queue, in flight or waiting for its outcome to be written is handed
   * back (fenced by its claim, attempt taken back) and claimed again at once.
   */
  private async releaseClaimsInDoubt(): Promise<void> {
    const { store, logger } = this.deps;
    const heldHere = new Set([
      ...this.wheel.values().map((h) => h.timer.id),
      ...this.ready.values().map((h) => h.timer.id),
      ...this.inFlight.keys(),
      ...this.recorder.recordingIds(),
    ]);
    const unknown = (await store.claims.heldBy(this.id)).filter((c) => !heldHere.has(c.id));
    if (unknown.length > 0) {
      const released = await store.claims.releaseUnsent(this.id, unknown, this.deps.config.leaseMs);
      logger.warn('Released timers claimed by a claim whose answer was lost', {
        controllerId: this.id,
        count: released,
        timerIds: unknown.slice(0, 20).map((c) => c.id),
      });
    }
    this.claimInDoubt = false;
  }

  private onPollError(err: unknown, failures: number): number {
    const { config, logger } = this.deps;
    // Any failed claim may have been cut off after its COMMIT reached the server.
    this.claimInDoubt = true;
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

  /** Moves every timer that is due to the ready queue, sends what slots allow, re-arms the wheel. */
  private tick(): void {
    const now = this.dbClock.earliestNow();
    for (let next = this.wheel.peek(); next && next.dueMs <= now; next = this.wheel.peek()) {
      this.ready.push(this.wheel.pop()!);
    }
    this.pump();
    this.arm();
  }

  private arm(): void {
    const next = this.wheel.peek();
    if (!next || this.stopping) return this.disarm();
    if (this.wheelTimer && this.wheelArmedFor <= next.dueMs) return;
    this.disarm();
    this.wheelArmedFor = next.dueMs;
    const delay = Math.max(0, Math.ceil(next.dueMs - this.dbClock.earliestNow()));
    this.wheelTimer = setTimeout(() => {
      this.wheelTimer = null;
      this.wheelArmedFor = Infinity;
      this.tick();
    }, delay);
  }

  private disarm(): void {
    if (this.wheelTimer) clearTimeout(this.wheelTimer);
    this.wheelTimer = null;
    this.wheelArmedFor = Infinity;
  }

  private pump(): void {
    const { config } = this.deps;
    const expiring: ClaimedTimer[] = [];
    while (this.ready.length > 0 && this.inFlight.size < config.maxInFlight && !this.stopping) {
      const held = this.ready.shift()!;
      // A lease that could run out mid-request would let a second controller send
      // the same timer concurrently: hand it back instead of sending.
      if (this.dbClock.now() + config.webhookTimeoutMs + LEASE_SAFETY_MS > held.leaseEndsMs) {
        expiring.push(held.timer);
        continue;
      }
      if (this.outcomes.skipIfTooLate(held.timer)) continue;
      this.dispatch(held.timer);
    }
    if (expiring.length > 0) {
      this.deps.logger.warn('Lease too short to send; released', {
        controllerId: this.id,
        count: expiring.length,
        timerIds: expiring.slice(0, 20).map((t) => t.id),
      });
      this.recorder.releaseUnsent(expiring);
    }
  }

  private dispatch(timer: ClaimedTimer): void {
    const start = this.outcomes.started(timer);
    const sending = this.sender.send(timer);
    const delivery: Delivery = { timer, sending, done: Promise.resolve() };
    this.inFlight.set(timer.id, delivery);
    delivery.done = this.outcomes.settle(timer, sending.result, start).finally(() => {
      this.inFlight.delete(timer.id);
      if (this.stopping) return;
      this.pump();
      if (this.backlogged) this.loop.wake();
    });
  }
}
