/**
 * Delivery: takes timers from the wheel as their moment comes and sends each one
 * while its lease allows, at most MAX_IN_FLIGHT at a time, oldest due first.
 * Before a request starts, a timer is judged on the database clock (sendable.ts:
 * too late under its missed-fire policy, skipped; a lease too short to outlive
 * the request, handed back) and passes the gate (gate.ts). Each request is one
 * Attempt. On stop, what has not started (unstarted.ts) is handed back; requests
 * in flight (inFlight.ts) get a grace period, then are abandoned.
 */
import type { ClaimedTimer, Claims, Clock, Config, DbClock, Logger, Metrics, Tracing } from '@timer/shared';
import type { FencedWrites } from '../fenced/fencedWrites';
import type { Held } from '../held';
import type { Removal, WheelSink } from '../wheel/wheel';
import { Attempt, AttemptContext } from './attempt';
import { DeliveryLog, DeliveryTally } from './deliveryLog';
import type { DeliveryGate } from './gate';
import { HttpSender, WebhookSender } from './httpSender';
import { InFlight } from './inFlight';
import { WebhookRequests } from './prepareRequest';
import { leaseTooShort, missedFire } from './sendable';
import { serviceKeys, SigningKeys } from './signingKeys';
import { Unstarted } from './unstarted';
import { WebhookSpecs } from './webhookSpecs';

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
  private readonly unstarted: Unstarted;
  private readonly inFlight: InFlight;
  private readonly attempts: AttemptContext;
  private readonly sender: WebhookSender;
  private readonly log: DeliveryLog;
  private stopping = false;

  constructor(private readonly deps: DeliveryDeps) {
    const { config, clock } = deps;
    this.unstarted = new Unstarted(clock);
    this.inFlight = new InFlight(clock);
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
    for (const held of due) this.unstarted.enqueue(held);
    this.pump();
  }

  withdraw(id: string): Removal {
    if (this.inFlight.has(id)) return { outcome: 'started' };
    const held = this.unstarted.remove(id);
    return held ? { outcome: 'removed', held } : { outcome: 'not_held' };
  }

  /** Timers taken and not yet finished: waiting for a slot or the gate, or in flight. */
  get load(): number {
    return this.unstarted.size + this.inFlight.size;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  ids(): string[] {
    return [...this.unstarted.ids(), ...this.inFlight.ids()];
  }

  /** From now on no request starts: what comes due waits to be handed back (takeUnstarted). */
  stopStarting(): void {
    this.stopping = true;
  }

  /** The timers that were waiting for a slot or the gate, to be handed back. */
  takeUnstarted(): ClaimedTimer[] {
    return this.unstarted.drain().map((h) => h.timer);
  }

  /** Waits up to `graceMs` for the requests in flight; then aborts them, and their timers are handed back. */
  async finish(graceMs: number): Promise<void> {
    const abandoned = await this.inFlight.finish(graceMs);
    if (abandoned) this.log.abandoned(abandoned);
  }

  private pump(): void {
    const { config, dbClock, writes } = this.deps;
    const expiring: ClaimedTimer[] = [];
    while (this.unstarted.queuedCount > 0 && this.inFlight.size < config.maxInFlight && !this.stopping) {
      const held = this.unstarted.next()!;
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
        return this.unstarted.holdBack(held, verdict.ms, () => this.pump());
      case 'hand_back':
        held.trace?.unsent(this.deps.clock.now(), 'released');
        this.log.handedBackByGate(held.timer, verdict.reason);
        void this.deps.writes.releaseUnsent([held.timer], 'gate');
    }
  }

  private send(held: Held): void {
    const { timer } = held;
    this.inFlight.start(new Attempt(timer, this.attempts, held.trace), () => {
      this.deps.gate.done(timer);
      if (this.stopping) return;
      this.pump();
      this.deps.onRoom();
    });
  }
}
