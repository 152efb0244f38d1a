/**
 * Delivery: takes timers from the wheel as their moment comes and sends each one
 * while its lease allows, at most MAX_IN_FLIGHT at a time, oldest due first.
 * Before a request starts, a timer is judged on the database clock (sendable.ts:
 * too late under its missed-fire policy, skipped; a lease too short to outlive
 * the request, handed back) and passes the gate (gate.ts). Each request is one
 * Attempt. On stop, what has not started is handed back; requests in flight get
 * a grace period, then are abandoned.
 */
import { settlesWithin } from '@timer/shared';
import type {
  ClaimedTimer,
  Claims,
  Clock,
  Config,
  DbClock,
  Logger,
  Metrics,
  TimerHandle,
  Tracing,
} from '@timer/shared';
import type { FencedWrites } from '../fenced/fencedWrites';
import type { Held } from '../held';
import type { Removal, WheelSink } from '../wheel/wheel';
import { Attempt, AttemptContext } from './attempt';
import { DeliveryLog, DeliveryTally } from './deliveryLog';
import type { DeliveryGate } from './gate';
import { HttpSender, WebhookSender } from './httpSender';
import { WebhookRequests } from './prepareRequest';
import { WebhookSpecs } from './webhookSpecs';
import { Queue } from './queue';
import { leaseTooShort, missedFire } from './sendable';
import { serviceKeys, SigningKeys } from './signingKeys';

export interface DeliveryDeps {
  config: Pick<
    Config,
    | 'controllerId'
    | 'maxInFlight'
    | 'webhookTimeoutMs'
    | 'maxAttempts'
    | 'retryBaseMs'
    | 'retryMaxMs'
    | 'webhookSecrets'
    | 'webhookTargets'
    | 'deliveryLogPerSecond'
  >;
  /** HttpSender unless given (tests give a fake). */
  sender?: WebhookSender;
  /** Each tenant's signing keys; WEBHOOK_SECRET for all unless given. */
  signingKeys?: SigningKeys;
  gate: DeliveryGate;
  /** Told of every answer, for origin back-off and the circuit breaker. */
  origins?: AttemptContext['origins'];
  writes: FencedWrites;
  /** Reads what timers with their own request send, when it starts. */
  claims: Pick<Claims, 'webhookSpecs'>;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  dbClock: DbClock;
  tracing: Tracing;
  random?: () => number;
  /** A request slot was freed: there is room to claim more. */
  onRoom: () => void;
  /** Counts outcomes per minute for the delivery rollups; nothing counted when absent. */
  tally?: DeliveryTally;
}

export class Delivery implements WheelSink {
  private readonly queue = new Queue<Held>();
  /** Timers the gate asked to wait, with the timer that brings each back. */
  private readonly waiting = new Map<string, { held: Held; timer: TimerHandle }>();
  private readonly inFlight = new Map<string, { attempt: Attempt; done: Promise<void> }>();
  private readonly attempts: AttemptContext;
  private readonly sender: WebhookSender;
  private readonly log: DeliveryLog;
  private stopping = false;

  constructor(private readonly deps: DeliveryDeps) {
    const { config, clock } = deps;
    this.sender = deps.sender ?? new HttpSender({ ...config, clock });
    this.log = new DeliveryLog(
      deps.logger,
      deps.metrics,
      clock,
      config.controllerId,
      config.deliveryLogPerSecond,
      deps.tally,
    );
    const requests = new WebhookRequests(config);
    const specs = new WebhookSpecs(deps.claims);
    const { controllerId } = config;
    const signingKeys = deps.signingKeys ?? serviceKeys(config.webhookSecrets);
    this.attempts = {
      ...deps,
      requests,
      specs,
      signingKeys,
      sender: this.sender,
      log: this.log,
      retryDefaults: config,
      controllerId,
    };
  }

  start(): void {
    this.log.start();
  }

  /** After finish(): the last activity summary, and the connections closed. */
  async close(): Promise<void> {
    this.log.stop();
    await this.sender.close();
  }

  take(due: Held[]): void {
    for (const held of due) this.queue.push(held);
    this.pump();
  }

  withdraw(id: string): Removal {
    if (this.inFlight.has(id)) return { outcome: 'started' };
    const waiting = this.waiting.get(id);
    if (waiting) {
      this.deps.clock.clearTimer(waiting.timer);
      this.waiting.delete(id);
      return { outcome: 'removed', held: waiting.held };
    }
    const queued = this.queue.remove((h) => h.timer.id === id);
    return queued ? { outcome: 'removed', held: queued } : { outcome: 'not_held' };
  }

  /** Timers taken and not yet finished: waiting for a slot or the gate, or in flight. */
  get load(): number {
    return this.queue.length + this.waiting.size + this.inFlight.size;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  ids(): string[] {
    return [...this.queue.values().map((h) => h.timer.id), ...this.waiting.keys(), ...this.inFlight.keys()];
  }

  /** From now on no request starts: what comes due waits to be handed back (takeUnstarted). */
  stopStarting(): void {
    this.stopping = true;
  }

  /** The timers that were waiting for a slot or the gate, to be handed back. */
  takeUnstarted(): ClaimedTimer[] {
    for (const { timer } of this.waiting.values()) this.deps.clock.clearTimer(timer);
    const unsent = [...this.queue.drain(), ...[...this.waiting.values()].map((w) => w.held)];
    this.waiting.clear();
    return unsent.map((h) => h.timer);
  }

  /** Waits up to `graceMs` for the requests in flight; then aborts them, and their timers are handed back. */
  async finish(graceMs: number): Promise<void> {
    const allDone = () => Promise.all([...this.inFlight.values()].map((f) => f.done));
    if (await settlesWithin(this.deps.clock, allDone(), graceMs)) return;
    const abandoned = [...this.inFlight.values()].map((f) => f.attempt);
    for (const attempt of abandoned) attempt.abandon();
    await allDone();
    this.log.abandoned(abandoned.map((a) => a.timer));
  }

  private pump(): void {
    const { config, dbClock, writes } = this.deps;
    const expiring: ClaimedTimer[] = [];
    while (this.queue.length > 0 && this.inFlight.size < config.maxInFlight && !this.stopping) {
      const held = this.queue.shift()!;
      // A lease that could run out mid-request would let a second controller send
      // the same timer concurrently: hand it back instead of sending.
      if (leaseTooShort(held, dbClock.now(), config.webhookTimeoutMs)) {
        held.trace?.unsent(this.deps.clock.now(), 'released');
        expiring.push(held.timer);
        continue;
      }
      const late = missedFire(held.timer, dbClock.earliestNow());
      if (late) {
        held.trace?.unsent(this.deps.clock.now(), 'skipped');
        this.log.skipped(held.timer, late.lateMs);
        writes.skipped(held.timer, late.reason);
        continue;
      }
      this.pass(held);
    }
    if (expiring.length > 0) {
      this.log.leaseTooShort(expiring);
      void writes.releaseUnsent(expiring, 'lease_too_short');
    }
  }

  /** Through the gate, just before the request would start. */
  private pass(held: Held): void {
    const verdict = this.deps.gate.check(held.timer);
    switch (verdict.verdict) {
      case 'allow':
        return this.send(held);
      case 'wait':
        return this.wait(held, verdict.ms);
      case 'hand_back':
        held.trace?.unsent(this.deps.clock.now(), 'released');
        this.log.handedBackByGate(held.timer, verdict.reason);
        void this.deps.writes.releaseUnsent([held.timer], 'gate');
    }
  }

  private wait(held: Held, ms: number): void {
    const timer = this.deps.clock.setTimer(ms, () => {
      this.waiting.delete(held.timer.id);
      this.queue.push(held);
      this.pump();
    });
    this.waiting.set(held.timer.id, { held, timer });
  }

  private send(held: Held): void {
    const { timer } = held;
    const attempt = new Attempt(timer, this.attempts, held.trace);
    const flight = { attempt, done: Promise.resolve() };
    this.inFlight.set(timer.id, flight);
    flight.done = attempt.run().then(() => {
      this.inFlight.delete(timer.id);
      this.deps.gate.done(timer);
      if (this.stopping) return;
      this.pump();
      this.deps.onRoom();
    });
  }
}
