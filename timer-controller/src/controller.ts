/**
 * The controller: three stages that each hand a timer on, one way, and the one
 * module every write under a claim goes through.
 *
 *   Claimer ──claimed──► Wheel ──due──► Delivery ──outcome──► FencedWrites ──► database
 *   (poll, nudge,        (holds each     (slots, lease and     (fired, retry, failed,
 *    claims in doubt)     until its ms)   gate checks, one      skipped, released;
 *                                         Attempt per request)  fenced by lease token)
 *
 * This class builds them and wires the two signals that flow back (delivery
 * frees a slot: the claimer may claim again; the claimer asks how much room
 * there is). The api's give-backs are answered in giveBack.ts, the shutdown is
 * run by shutdown.ts.
 */
import { DbClock, Metrics, noTracing } from '@timer/shared';
import type { ClaimRef } from '@timer/shared';
import { Claimer } from './claim/claimer';
import { FlowClaimer } from './claim/flowClaimer';
import type { ControllerDeps } from './controllerDeps';
import { Delivery } from './delivery/delivery';
import { openGate } from './delivery/gate';
import { OriginHealth } from './delivery/originHealth';
import { FencedWrites } from './fenced/fencedWrites';
import { GiveBack, GiveBacks } from './giveBack';
import type { Held } from './held';
import { shutDown } from './shutdown';
import { Wheel } from './wheel/wheel';

export class Controller {
  readonly id: string;
  private readonly claimer: Claimer;
  private readonly flowClaimer: FlowClaimer | null;
  private readonly wheel: Wheel;
  private readonly delivery: Delivery;
  private readonly writes: FencedWrites;
  private readonly giveBacks: GiveBacks;

  constructor(private readonly deps: ControllerDeps) {
    const { config, clock } = deps;
    this.id = config.controllerId;
    const metrics = deps.metrics ?? new Metrics({ processMetrics: false });
    const dbClock = deps.dbClock ?? new DbClock(clock);
    const tracing = deps.tracing ?? noTracing;
    const { claims } = deps.store;
    const { dbRetryBaseMs: retryBaseMs, dbRetryMaxMs: retryMaxMs, leaseMs } = config;
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
    this.giveBacks = new GiveBacks({ ...deps, wheel: this.wheel, writes: this.writes, leaseMs });
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
      hold: (timers) => hold(timers.filter((h) => !this.giveBacks.isPromised(h.timer))),
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
    return this.giveBacks.giveBack(claim);
  }

  get inFlightCount(): number {
    return this.delivery.inFlightCount;
  }

  /** Claimed timers not yet sent: in the wheel, or due and waiting for a slot. */
  get heldCount(): number {
    return this.wheel.size + this.delivery.load - this.delivery.inFlightCount;
  }

  /** Stops claiming and sending, hands back what it holds, records every outcome (shutdown.ts). */
  stop(): Promise<void> {
    const { config, logger } = this.deps;
    const { claimer, flowClaimer, wheel, delivery, writes, giveBacks } = this;
    return shutDown(
      { claimer, flowClaimer, wheel, delivery, writes, giveBacks },
      { controllerId: this.id, graceMs: config.shutdownGraceMs, logger },
    );
  }
}
