/**
 * The controller: three stages that each hand a timer on, one way, and the one
 * module every write under a claim goes through.
 *
 *   Claimer ──claimed──► Wheel ──due──► Delivery ──outcome──► FencedWrites ──► database
 *   (poll, nudge,        (holds each     (slots, lease and     (fired, retry, failed,
 *    claims in doubt)     until its ms)   gate checks, one      skipped, released;
 *                                         Attempt per request)  fenced by lease token)
 *
 * This class builds them, wires the two signals that flow back (delivery frees a
 * slot: the claimer may claim again; the claimer asks how much room there is),
 * and runs the shutdown: stop claiming, hand back what has not started, give
 * requests in flight a grace period, write every outcome.
 */
import { DbClock, Metrics, noTracing } from '@timer/shared';
import type {
  ClaimedTimer,
  ClaimRef,
  Claims,
  Clock,
  Config,
  Flows,
  GiveBackAnswer,
  Logger,
  TimerHandle,
  Tracing,
} from '@timer/shared';
import { Claimer } from './claim/claimer';
import { FlowClaimer } from './claim/flowClaimer';
import { Delivery } from './delivery/delivery';
import { DeliveryGate, openGate } from './delivery/gate';
import type { DeliveryTally } from './delivery/deliveryLog';
import type { WebhookSender } from './delivery/httpSender';
import { OriginHealth } from './delivery/originHealth';
import type { SigningKeys } from './delivery/signingKeys';
import { FencedWrites } from './fenced/fencedWrites';
import { GivenBackClaims } from './givenBack';
import type { Held } from './held';
import { Wheel } from './wheel/wheel';

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
  | 'deliveryLogPerSecond'
  | 'nudgeMinIntervalMs'
  | 'breakerFailures'
  | 'breakerOpenMs'
>;

export interface ControllerDeps {
  config: ControllerConfig;
  /** The claims part of the store (an in-memory one in tests), and the flows (flow control) where there are. */
  store: {
    claims: Pick<Claims, keyof Claims>;
    flows?: Pick<Flows, 'list' | 'claim' | 'endLeases' | 'blockedOrigins' | 'backOff' | 'failed' | 'healed'>;
  };
  logger: Logger;
  /** The host's clock: every wait, back-off and duration. */
  clock: Clock;
  /** The database's clock on top of it: when a claimed timer is due, and how late it was sent. */
  dbClock?: DbClock;
  sender?: WebhookSender;
  /** Each tenant's signing keys (signingKeys.ts); WEBHOOK_SECRET for every timer unless given. */
  signingKeys?: SigningKeys;
  /** Asked just before each request starts (flow control); lets everything through by default. */
  gate?: DeliveryGate;
  metrics?: Metrics;
  /** OpenTelemetry when on (README "Tracing"); off by default. */
  tracing?: Tracing;
  random?: () => number;
  /** Counts every request's lateness and outcome per minute (the delivery rollups); off when absent. */
  tally?: DeliveryTally;
}

/**
 * What giveBack() answered about a claim: taken out unsent (with when it was due
 * to be sent), too late (its request started, or its outcome is being
 * recorded), or not here (and never to be sent by this process under that claim).
 */
export type GiveBack = GiveBackAnswer;

/**
 * How long a given-back timer waits for the api's write before this controller
 * hands it back itself (the api may have failed between the two): then it is due
 * again at its own time instead of at the end of its lease.
 */
export const GIVE_BACK_FALLBACK_MS = 10_000;

export class Controller {
  readonly id: string;
  private readonly claimer: Claimer;
  private readonly flowClaimer: FlowClaimer | null;
  private readonly wheel: Wheel;
  private readonly delivery: Delivery;
  private readonly writes: FencedWrites;
  private readonly givenBack: GivenBackClaims;
  private readonly fallbacks = new Set<TimerHandle>();

  constructor(private readonly deps: ControllerDeps) {
    const { config, clock } = deps;
    this.id = config.controllerId;
    const metrics = deps.metrics ?? new Metrics({ processMetrics: false });
    const dbClock = deps.dbClock ?? new DbClock(clock);
    const tracing = deps.tracing ?? noTracing;
    const { claims } = deps.store;
    const { dbRetryBaseMs: retryBaseMs, dbRetryMaxMs: retryMaxMs, leaseMs } = config;
    this.givenBack = new GivenBackClaims(clock, leaseMs);
    this.writes = new FencedWrites({
      ...deps,
      claims,
      owner: this.id,
      metrics,
      retryBaseMs,
      retryMaxMs,
      leaseMs,
      onLanded: (landed) => this.flowClaimer?.recorded(landed),
    });
    const { flows } = deps.store;
    const origins = flows ? new OriginHealth({ ...deps, flows, metrics, dbClock }) : null;
    this.delivery = new Delivery({
      ...deps,
      claims,
      gate: deps.gate ?? origins ?? openGate,
      origins: origins ?? undefined,
      writes: this.writes,
      metrics,
      dbClock,
      tracing,
      onRoom: () => {
        this.claimer.roomFreed();
        this.flowClaimer?.roomFreed();
      },
    });
    this.wheel = new Wheel(dbClock, this.delivery);
    const room = () => config.maxHeld - this.wheel.size - this.delivery.load;
    const hold = (timers: Held[]) => this.wheel.hold(timers);
    this.flowClaimer =
      flows && origins ? new FlowClaimer({ ...deps, flows, origins, metrics, dbClock, tracing, room, hold }) : null;
    this.claimer = new Claimer({
      ...deps,
      claims,
      writes: this.writes,
      metrics,
      dbClock,
      tracing,
      room,
      knownIds: () => new Set([...this.wheel.ids(), ...this.delivery.ids(), ...this.writes.recordingIds()]),
      // A claim the api was promised will not be sent is dropped as it arrives.
      hold: (timers) => hold(timers.filter((h) => !this.givenBack.has(h.timer))),
      gate: () => this.flowClaimer?.gate(),
      onParked: () => this.flowClaimer?.parked(),
    });
    metrics.countInFlight(() => this.delivery.inFlightCount);
  }

  start(): void {
    const { config, logger } = this.deps;
    logger.info('Controller started', {
      controllerId: this.id,
      pollIntervalMs: config.pollIntervalMs,
      lookaheadMs: config.lookaheadMs,
      maxInFlight: config.maxInFlight,
    });
    this.delivery.start();
    this.claimer.start();
    this.flowClaimer?.start();
  }

  /** Something new may be due before the next poll (POST /nudge): poll early. */
  nudge(): void {
    this.claimer.nudge();
  }

  /**
   * The api asks for the claim `claim` of a timer, to change or cancel it: if its
   * request has not started, the timer is taken out and will not be sent by this
   * process; the api then writes its change fenced by the same lease token.
   * Synchronous, so nothing can start the request between the check and the
   * answer. A claim not (yet) here is promised never to be sent either.
   */
  giveBack(claim: ClaimRef): GiveBack {
    // An outcome being recorded: its request was sent.
    if (this.writes.recordingIds().has(claim.id)) return { outcome: 'started' };
    const removal = this.wheel.remove(claim.id);
    if (removal.outcome === 'started') return removal;
    if (removal.outcome === 'removed') {
      const { timer } = removal.held;
      if (timer.leaseToken === claim.leaseToken) {
        this.fallBackToRelease(timer);
        return { outcome: 'given_back', dueAt: timer.dueAt };
      }
      // Another claim than the one the api read: ours stands, the api reads again.
      this.wheel.hold([removal.held]);
      if (timer.leaseToken > claim.leaseToken) return { outcome: 'not_held' };
    }
    this.givenBack.add(claim);
    return { outcome: 'not_held' };
  }

  get inFlightCount(): number {
    return this.delivery.inFlightCount;
  }

  /**
   * The api writes its change right after a give-back; if it never does (it
   * failed in between), the timer is handed back here so that it is sent at its
   * own time, not when the lease ends. Fenced: after the api's write it matches
   * nothing.
   */
  private fallBackToRelease(timer: ClaimedTimer): void {
    const handle = this.deps.clock.setTimer(GIVE_BACK_FALLBACK_MS, () => {
      this.fallbacks.delete(handle);
      void this.writes
        .releaseClaimedInDoubt([timer])
        .then((released) => {
          if (released > 0)
            this.deps.logger.warn('Given-back timer not changed by the api; handed back', { timerId: timer.id });
        })
        .catch(() => undefined);
    });
    this.fallbacks.add(handle);
  }

  /** Claimed timers not yet sent: in the wheel, or due and waiting for a slot. */
  get heldCount(): number {
    return this.wheel.size + this.delivery.load - this.delivery.inFlightCount;
  }

  /**
   * Stop claiming; hand back every timer not yet sent; give in-flight requests up
   * to SHUTDOWN_GRACE_MS to finish, then abort them and hand those back too;
   * record every outcome; close connections.
   */
  async stop(): Promise<void> {
    const { logger, config } = this.deps;
    this.delivery.stopStarting();
    for (const handle of this.fallbacks) this.deps.clock.clearTimer(handle);
    this.fallbacks.clear();
    // The claim under way, if any, still hands its timers to the wheel.
    await this.claimer.stop();
    await this.flowClaimer?.stop();
    const unsent = [...this.wheel.drain(), ...this.delivery.takeUnstarted()];
    void this.writes.releaseUnsent(unsent, 'shutdown');
    logger.info('Controller stopped claiming', {
      controllerId: this.id,
      inFlight: this.delivery.inFlightCount,
      released: unsent.length,
    });
    await this.delivery.finish(config.shutdownGraceMs);
    const recorded = await this.writes.drain(config.shutdownGraceMs);
    await this.delivery.close();
    logger.info('Controller stopped', { controllerId: this.id, outcomesRecorded: recorded });
  }
}
