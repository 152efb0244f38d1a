/**
 * The flow claimer: claims the timers of limited flows (flows with a row in
 * `flows`), each within its capacity across the fleet, and hands them to the wheel
 * like the claimer does. The ordinary claim parks those timers (it is given
 * flowOf() to recognise them); this loop is the only way they are sent.
 *
 * Every POLL_INTERVAL_MS it reads the configured flows and the blocked origins.
 * When each flow is claimed again is FlowWakeups' (flowWakeups.ts); what a claim
 * hands to the wheel, heldOf's (flowHandOff.ts); the slots held until an outcome
 * is recorded, FlowSlots' (flowSlots.ts).
 */
import { errorFields, exponentialDelay, ORIGIN_DEFAULTS_TENANT, originOf } from '@timer/shared';
import type {
  ClaimGate,
  ClaimRef,
  Clock,
  Config,
  DbClock,
  Flows,
  Logger,
  Metrics,
  OriginBlock,
  Tracing,
} from '@timer/shared';
import type { Held } from '../held';
import { IterationResult, PollLoop } from '../pollLoop';
import { heldOf } from './flowHandOff';
import { FlowSlots } from './flowSlots';
import { FlowWakeups } from './flowWakeups';

export interface FlowClaimerDeps {
  config: Pick<
    Config,
    | 'controllerId'
    | 'pollIntervalMs'
    | 'claimBatchSize'
    | 'leaseMs'
    | 'dbRetryBaseMs'
    | 'dbRetryMaxMs'
    | 'breakerOpenMs'
  >;
  flows: Pick<Flows, 'list' | 'claim' | 'endLeases' | 'blockedOrigins'>;
  /** Where the origins' blocks go once read (originHealth.ts), and where the claims ask about them. */
  origins: {
    known(blocks: readonly OriginBlock[]): void;
    blockOf(origin: string): OriginBlock | undefined;
    readonly hasBlocks: boolean;
  };
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  dbClock: DbClock;
  /** Each flow claim is a span, as the ordinary claim's (claimer.ts); off by default. */
  tracing?: Tracing;
  random?: () => number;
  /** How many more timers this process may hold now. */
  room: () => number;
  /** Where claimed timers go: the wheel. */
  hold: (timers: Held[]) => void;
}

const scopeKey = (tenant: string, key: string) => `${tenant}\n${key}`;

export class FlowClaimer {
  private readonly loop: PollLoop;
  private readonly wakeups: FlowWakeups;
  private readonly slots: FlowSlots;
  /** tenant + key → flow id, as last read. */
  private directory = new Map<string, number>();
  /** origin → the flow id of its default (FLOW_DEFAULTS), as last read. */
  private originDefaults = new Map<string, number>();
  private listedAt = -Infinity;

  constructor(private readonly deps: FlowClaimerDeps) {
    const { config, clock } = deps;
    this.loop = new PollLoop({
      intervalMs: config.pollIntervalMs,
      clock,
      iterate: () => this.claimAll(),
      onError: (err, failures) => this.onError(err, failures),
    });
    this.wakeups = new FlowWakeups(clock, config.pollIntervalMs, () => this.loop.wake());
    this.slots = new FlowSlots(deps.flows, deps.logger);
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.wakeups.disarm();
    await this.loop.stop();
  }

  /** For the claims: limited flows and blocked origins; undefined while there are none. */
  gate(): ClaimGate | undefined {
    const { origins, config } = this.deps;
    if (this.directory.size === 0 && !origins.hasBlocks) return undefined;
    const { directory, originDefaults } = this;
    return {
      // The tenant's own flow first; only without one, and only while there are defaults, the URL is parsed.
      flowOf: (tenant, key, url) =>
        directory.get(scopeKey(tenant, key)) ??
        (originDefaults.size === 0 ? undefined : originDefaults.get(originOf(url) ?? '')),
      blockOf: (origin) => origins.blockOf(origin),
      probeMs: config.breakerOpenMs,
    };
  }

  /** The ordinary claim parked timers: their flows may have capacity now. */
  parked(): void {
    this.wakeups.soon();
  }

  /** Delivery freed room in this process. */
  roomFreed(): void {
    if (this.wakeups.anyDue()) this.loop.wake();
  }

  /** Outcomes recorded: the slots their requests held are freed, and their flows claimed again. */
  recorded(claims: readonly ClaimRef[]): void {
    void this.slots.freed(claims).then((flows) => {
      if (flows.size > 0) this.wakeups.soon(flows);
    });
  }

  private async claimAll(): Promise<IterationResult> {
    const { config, clock } = this.deps;
    if (clock.now() - this.listedAt >= config.pollIntervalMs) await this.list();
    for (const flowId of this.wakeups.due()) {
      const room = Math.min(this.deps.room(), config.claimBatchSize);
      if (room <= 0) break;
      await this.claimFlow(flowId, room);
    }
    this.wakeups.arm();
    return 'idle';
  }

  private async list(): Promise<void> {
    const { flows, clock } = this.deps;
    const [entries, blocks] = await Promise.all([flows.list(), flows.blockedOrigins()]);
    this.deps.origins.known(blocks);
    this.listedAt = clock.now();
    this.directory = new Map(entries.map((f) => [scopeKey(f.tenant, f.key), f.id]));
    this.originDefaults = new Map(entries.filter((f) => f.tenant === ORIGIN_DEFAULTS_TENANT).map((f) => [f.key, f.id]));
    this.wakeups.keep(new Set(entries.map((f) => f.id)));
  }

  private async claimFlow(flowId: number, limit: number): Promise<void> {
    const { config, clock, dbClock, flows, metrics } = this.deps;
    const claimedAt = dbClock.now();
    const startedMs = clock.now();
    const gate = this.deps.origins.hasBlocks ? this.gate() : undefined;
    const claim = await flows.claim({ flowId, owner: config.controllerId, limit, leaseMs: config.leaseMs, gate });
    const endedMs = clock.now();
    this.slots.taken(flowId, claim.timers);
    const context = {
      claimedAt,
      startedMs,
      endedMs,
      limit,
      leaseMs: config.leaseMs,
      controllerId: config.controllerId,
    };
    this.deps.hold(heldOf(claim, context, metrics, this.deps.tracing));
    metrics.flowClaimed.inc({ stopped_by: claim.stoppedBy }, claim.timers.length);
    this.wakeups.claimed(flowId, claim);
  }

  private onError(err: unknown, failures: number): number {
    const { config, logger, metrics } = this.deps;
    const delayMs = exponentialDelay(failures, config.dbRetryBaseMs, config.dbRetryMaxMs, this.deps.random);
    metrics.dbErrors.inc({ operation: 'flow_claim' });
    logger.warn('Flow claim failed, backing off', {
      controllerId: config.controllerId,
      failures,
      delayMs,
      ...errorFields(err),
    });
    return delayMs;
  }
}
