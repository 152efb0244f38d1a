/**
 * The flow claimer: claims the timers of limited flows (flows with a row in
 * `flows`), each within its capacity across the fleet, and hands them to the wheel
 * like the claimer does. The ordinary claim parks those timers (it is given
 * flowOf() to recognise them); this loop is the only way they are sent.
 *
 * Every POLL_INTERVAL_MS it reads the configured flows. Each flow is claimed again
 * when its claim may find capacity: at once while a claim came back full; when the
 * next token of its rate is due; when this controller recorded the outcome of one
 * of its requests (a parallelism slot is free); when the ordinary claim has just
 * parked timers; else a poll interval later (slots freed by other controllers, a
 * resume). A flow's slot is freed in the database only after the request's outcome
 * is recorded (endLeases), so the fleet never counts fewer requests in flight than
 * there are.
 */
import { errorFields, exponentialDelay } from '@timer/shared';
import type {
  ClaimedTimer,
  ClaimGate,
  ClaimRef,
  Clock,
  Config,
  DbClock,
  Flows,
  Logger,
  Metrics,
  OriginBlock,
  TimerHandle,
  Tracing,
} from '@timer/shared';
import type { Held } from '../held';
import { IterationResult, PollLoop } from '../pollLoop';
import { traceClaim } from '../tracing/deliveryTrace';

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

/** How late after its send slot a request of a rate-limited flow may still start. */
const SLOT_TOLERANCE_MS = 25;

const scopeKey = (tenant: string, key: string) => `${tenant}\n${key}`;

export class FlowClaimer {
  private readonly loop: PollLoop;
  /** tenant + key → flow id, as last read. */
  private directory = new Map<string, number>();
  /** Flow id → host time (ms) of its next claim. */
  private readonly nextAt = new Map<number, number>();
  /** Timers this controller claimed through a flow, until their outcome is recorded. */
  private readonly claimedThrough = new Map<string, number>();
  private listedAt = -Infinity;
  private alarm: TimerHandle | null = null;

  constructor(private readonly deps: FlowClaimerDeps) {
    const { config, clock } = deps;
    this.loop = new PollLoop({
      intervalMs: config.pollIntervalMs,
      clock,
      iterate: () => this.claimAll(),
      onError: (err, failures) => this.onError(err, failures),
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    if (this.alarm) this.deps.clock.clearTimer(this.alarm);
    await this.loop.stop();
  }

  /** For the claims: limited flows and blocked origins; undefined while there are none. */
  gate(): ClaimGate | undefined {
    const { origins, config } = this.deps;
    if (this.directory.size === 0 && !origins.hasBlocks) return undefined;
    const directory = this.directory;
    return {
      flowOf: (tenant, key) => directory.get(scopeKey(tenant, key)),
      blockOf: (origin) => origins.blockOf(origin),
      probeMs: config.breakerOpenMs,
    };
  }

  /** The ordinary claim parked timers: their flows may have capacity now. */
  parked(): void {
    this.claimSoon([...this.nextAt.keys()]);
  }

  /** Delivery freed room in this process. */
  roomFreed(): void {
    const now = this.deps.clock.now();
    if ([...this.nextAt.values()].some((at) => at <= now)) this.loop.wake();
  }

  /** Outcomes recorded: the slots their requests held are freed, and their flows claimed again. */
  recorded(claims: readonly ClaimRef[]): void {
    const ids: string[] = [];
    const flows = new Set<number>();
    for (const { id } of claims) {
      const flowId = this.claimedThrough.get(id);
      if (flowId === undefined) continue;
      this.claimedThrough.delete(id);
      ids.push(id);
      flows.add(flowId);
    }
    if (ids.length === 0) return;
    const { flows: store, logger } = this.deps;
    // A failure only delays the slot: the lease row expires with the claim's lease.
    void store
      .endLeases(ids)
      .then(() => this.claimSoon([...flows]))
      .catch((err: unknown) =>
        logger.warn('Could not free flow slots; they free themselves at lease expiry', {
          count: ids.length,
          ...errorFields(err),
        }),
      );
  }

  private claimSoon(flowIds: number[]): void {
    const now = this.deps.clock.now();
    for (const id of flowIds) if (this.nextAt.has(id)) this.nextAt.set(id, now);
    this.loop.wake();
  }

  private async claimAll(): Promise<IterationResult> {
    const { config, clock } = this.deps;
    if (clock.now() - this.listedAt >= config.pollIntervalMs) await this.list();
    let again = false;
    for (const [flowId, at] of this.nextAt) {
      if (at > clock.now()) continue;
      const room = Math.min(this.deps.room(), config.claimBatchSize);
      if (room <= 0) break;
      again = (await this.claimFlow(flowId, room)) || again;
    }
    this.arm();
    return again ? 'again' : 'idle';
  }

  private async list(): Promise<void> {
    const { flows, clock } = this.deps;
    const [entries, blocks] = await Promise.all([flows.list(), flows.blockedOrigins()]);
    this.deps.origins.known(blocks);
    this.listedAt = clock.now();
    this.directory = new Map(entries.map((f) => [scopeKey(f.tenant, f.key), f.id]));
    const ids = new Set(entries.map((f) => f.id));
    for (const id of this.nextAt.keys()) if (!ids.has(id)) this.nextAt.delete(id);
    for (const id of ids) if (!this.nextAt.has(id)) this.nextAt.set(id, this.listedAt);
  }

  /** Claims one flow; true when it came back full and should be claimed again at once. */
  private async claimFlow(flowId: number, limit: number): Promise<boolean> {
    const { config, clock, dbClock, flows, metrics } = this.deps;
    const claimedAt = dbClock.now();
    const startedMs = clock.now();
    const gate = this.deps.origins.hasBlocks ? this.gate() : undefined;
    const claim = await flows.claim({ flowId, owner: config.controllerId, limit, leaseMs: config.leaseMs, gate });
    const now = clock.now();
    const { tracing } = this.deps;
    const traces =
      tracing?.enabled && claim.timers.length > 0
        ? traceClaim(tracing, claim.timers, {
            startMs: startedMs,
            endMs: now,
            limit,
            controllerId: config.controllerId,
          })
        : null;
    for (const timer of claim.timers) this.claimedThrough.set(timer.id, flowId);
    // Under a rate each timer leaves at its own send slot, so the receiver sees the
    // rate's spacing rather than the claims' varying round trips.
    const leaseEndsMs = claimedAt + config.leaseMs;
    this.deps.hold(
      claim.timers.map((timer: ClaimedTimer, i) => {
        const dueMs = claim.sendAt?.[i].getTime() ?? claimedAt;
        metrics.flowWait.observe(Math.max(0, dueMs - timer.dueAt.getTime()) / 1000);
        const sendBy = claim.sendAt ? new Date(dueMs + SLOT_TOLERANCE_MS) : null;
        return { timer: { ...timer, dueAt: new Date(dueMs), sendBy }, dueMs, leaseEndsMs, trace: traces?.[i] };
      }),
    );
    metrics.flowClaimed.inc({ stopped_by: claim.stoppedBy }, claim.timers.length);
    switch (claim.stoppedBy) {
      case 'room':
        this.nextAt.set(flowId, now);
        return false;
      case 'rate':
        this.nextAt.set(flowId, now + (claim.nextTokenMs ?? config.pollIntervalMs));
        return false;
      default:
        // Empty, paused or at its parallelism: a recorded outcome, a parking or the next poll brings it back.
        this.nextAt.set(flowId, now + config.pollIntervalMs);
        return false;
    }
  }

  /** Wakes the loop for the soonest flow due before the next poll. */
  private arm(): void {
    const { clock, config } = this.deps;
    if (this.alarm) clock.clearTimer(this.alarm);
    this.alarm = null;
    const soonest = Math.min(...this.nextAt.values());
    const inMs = soonest - clock.now();
    if (inMs > 0 && inMs < config.pollIntervalMs) this.alarm = clock.setTimer(inMs, () => this.loop.wake());
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
