/**
 * The claimer: polls the database every POLL_INTERVAL_MS (sooner when nudged, or
 * at once while batches come back full), claims due timers in batches under a
 * lease, up to LOOKAHEAD_MS ahead of their time, and hands them to the wheel. It
 * claims only what this process has room to hold (MAX_HELD), and backs off
 * (capped, with jitter) while the database fails. A claim that failed may have
 * committed anyway: claimsInDoubt.ts cleans that up before the next one.
 */
import { errorFields, exponentialDelay, isTransientDbError } from '@timer/shared';
import type { ClaimedTimer, ClaimGate, Claims, Clock, Config, DbClock, Logger, Metrics, Tracing } from '@timer/shared';
import type { FencedWrites } from '../fenced/fencedWrites';
import type { Held } from '../held';
import { traceClaim } from '../tracing/deliveryTrace';
import { IterationResult, PollLoop } from '../pollLoop';
import { ClaimsInDoubt } from './claimsInDoubt';
import { Nudges } from './nudges';

export interface ClaimerDeps {
  config: Pick<
    Config,
    | 'controllerId'
    | 'pollIntervalMs'
    | 'lookaheadMs'
    | 'claimBatchSize'
    | 'leaseMs'
    | 'dbRetryBaseMs'
    | 'dbRetryMaxMs'
    | 'nudgeMinIntervalMs'
  >;
  claims: Pick<Claims, 'claimDue' | 'claimDueParking' | 'heldBy'>;
  writes: Pick<FencedWrites, 'releaseClaimedInDoubt'>;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  dbClock: DbClock;
  tracing: Tracing;
  random?: () => number;
  /** How many more timers this process may hold now. */
  room: () => number;
  /** Every timer this process knows it holds (for claims in doubt). */
  knownIds: () => Set<string>;
  /** Where claimed timers go: the wheel. */
  hold: (timers: Held[]) => void;
  /** Limited flows to park, blocked origins to defer (flowClaimer.ts); undefined while there are none. */
  gate?: () => ClaimGate | undefined;
  /** The claim parked (or deferred) timers instead of claiming them. */
  onParked?: () => void;
}

export class Claimer {
  private readonly loop: PollLoop;
  private readonly nudges: Nudges;
  private readonly inDoubt: ClaimsInDoubt;
  /** The last claim came back full, or there was no room: claim again as soon as there is. */
  private backlogged = false;
  private databaseDown = false;

  constructor(private readonly deps: ClaimerDeps) {
    const { config, clock } = deps;
    this.loop = new PollLoop({
      intervalMs: config.pollIntervalMs,
      clock,
      iterate: () => this.claim(),
      onError: (err, failures) => this.onError(err, failures),
    });
    // Early polls asked for by nudges start at least NUDGE_MIN_INTERVAL_MS apart.
    this.nudges = new Nudges(clock, config.nudgeMinIntervalMs, () => this.loop.wake());
    this.inDoubt = new ClaimsInDoubt({ ...deps, owner: config.controllerId });
  }

  start(): void {
    this.loop.start();
  }

  /** Something new may be due before the next poll. */
  nudge(): void {
    this.nudges.nudge();
  }

  /** Delivery freed a slot: a claim that stopped for lack of room goes on. */
  roomFreed(): void {
    if (this.backlogged) this.loop.wake();
  }

  /** Stops claiming; waits for the claim under way. */
  async stop(): Promise<void> {
    this.nudges.stop();
    await this.loop.stop();
  }

  private async claim(): Promise<IterationResult> {
    const { config, claims, logger, metrics, dbClock } = this.deps;
    const room = this.deps.room();
    if (room <= 0) {
      this.backlogged = true;
      return 'idle';
    }
    await this.inDoubt.resolve();
    const limit = Math.min(config.claimBatchSize, room);
    // Read before the claim, so the lease end computed from it is never later than the database's.
    const claimedAt = dbClock.now();
    const startedMs = this.deps.clock.now();
    const endClaim = metrics.claimDuration.startTimer();
    const request = { owner: config.controllerId, limit, leaseMs: config.leaseMs, lookaheadMs: config.lookaheadMs };
    // With no flow configured and no origin unhealthy, the claim is exactly the one without flow control.
    const gate = this.deps.gate?.();
    let claimed: ClaimedTimer[];
    let parked = 0;
    if (gate) ({ timers: claimed, parked } = await claims.claimDueParking(request, gate));
    else claimed = await claims.claimDue(request);
    endClaim();
    if (parked > 0) this.deps.onParked?.();
    metrics.claimBatchSize.observe(claimed.length);
    if (this.databaseDown) {
      this.databaseDown = false;
      logger.info('Database reachable again', { controllerId: config.controllerId });
    }
    const { tracing, clock } = this.deps;
    const traces =
      tracing.enabled && claimed.length > 0
        ? traceClaim(tracing, claimed, {
            startMs: startedMs,
            endMs: clock.now(),
            limit,
            controllerId: config.controllerId,
          })
        : null;
    this.deps.hold(
      claimed.map((timer, i) => {
        const dueMs = timer.dueAt.getTime();
        return { timer, dueMs, leaseEndsMs: Math.max(dueMs, claimedAt) + config.leaseMs, trace: traces?.[i] };
      }),
    );
    this.backlogged = claimed.length + parked === limit;
    return this.backlogged ? 'again' : 'idle';
  }

  private onError(err: unknown, failures: number): number {
    const { config, logger, metrics } = this.deps;
    // Any failed claim may have been cut off after its COMMIT reached the server.
    this.inDoubt.suspect();
    const delayMs = exponentialDelay(failures, config.dbRetryBaseMs, config.dbRetryMaxMs, this.deps.random);
    metrics.dbErrors.inc({ operation: 'claim' });
    const fields = { controllerId: config.controllerId, failures, delayMs, ...errorFields(err) };
    if (isTransientDbError(err)) {
      this.databaseDown = true;
      logger.warn('Database unavailable, backing off', fields);
    } else {
      logger.error('Claim failed', fields);
    }
    return delayMs;
  }
}
