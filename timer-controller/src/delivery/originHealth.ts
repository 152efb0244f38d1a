/**
 * What the receivers say about themselves, per origin, shared with the fleet
 * through the origins table:
 *
 *   - an answer 429 or 503 with Retry-After: every timer to that origin waits that
 *     long (capped at RETRY_MAX_MS, as a retry's wait is);
 *   - BREAKER_FAILURES connection failures or 5xx answers in a row: the breaker
 *     opens, the origin's timers wait BREAKER_OPEN_MS, then one probe goes; any
 *     answer that is not a 5xx closes it.
 *
 * It is also the delivery gate (gate.ts): a timer claimed before its origin was
 * blocked is handed back unsent (no attempt counted) instead of being sent into
 * it, and the claim then defers it in the database; so is a timer of a
 * rate-limited flow that missed its send slot (flowClaimer.ts), which its flow
 * sends again in a later slot. A healthy origin costs nothing:
 * no row, no query; only an origin known to be unhealthy is written on success.
 */
import { errorFields, originOf } from '@timer/shared';
import type { ClaimedTimer, Clock, Flows, Logger, Metrics, OriginBlock } from '@timer/shared';
import { DeliveryError } from './answers';
import { ALLOW, DeliveryGate, GateVerdict } from './gate';
import { OriginReports } from './originReports';

export interface OriginHealthDeps {
  flows: Pick<Flows, 'backOff' | 'failed' | 'healed'>;
  config: { breakerFailures: number; breakerOpenMs: number; retryMaxMs: number };
  logger: Logger;
  metrics: Metrics;
  /** The database's clock: the blocks' times are the database's. */
  dbClock: Clock;
}

const HAND_BACK: GateVerdict = Object.freeze({ verdict: 'hand_back', reason: 'origin' });
const SLOT_MISSED: GateVerdict = Object.freeze({ verdict: 'hand_back', reason: 'flow_slot_missed' });

export class OriginHealth implements DeliveryGate {
  /** The blocks as the fleet last recorded them, by origin. */
  private blocks = new Map<string, OriginBlock>();
  /** Origins with a row: an answer from one of them is worth recording. */
  private readonly unhealthy = new Set<string>();

  /** The answers as this process tells them to the fleet (originReports.ts). */
  private readonly reports: OriginReports;

  constructor(private readonly deps: OriginHealthDeps) {
    const { breakerFailures: threshold, breakerOpenMs: openMs } = deps.config;
    this.reports = new OriginReports({
      flows: deps.flows,
      breaker: { threshold, openMs },
      opened: (origin) => {
        this.blocks.set(origin, {
          origin,
          until: new Date(deps.dbClock.now() + openMs),
          reason: 'breaker',
          probe: false,
        });
        deps.metrics.breakerOpened.inc();
        deps.logger.warn("Circuit breaker opened: the origin's timers wait", { origin, openMs, failures: threshold });
      },
      closed: (origin) => {
        this.blocks.delete(origin);
        deps.logger.info('Circuit breaker closed: the origin answers again', { origin });
      },
      unrecorded: (origin, error) => {
        // Kept for the next write, which the next answer from the origin starts.
        this.unhealthy.add(origin);
        deps.logger.warn("Could not record an origin's answers; they go with the next", {
          origin,
          ...errorFields(error),
        });
      },
    });
  }

  /** The origins table as the flow claimer last read it. */
  known(blocks: readonly OriginBlock[]): void {
    this.blocks = new Map(blocks.map((b) => [b.origin, b]));
    for (const b of blocks) this.unhealthy.add(b.origin);
    const { metrics } = this.deps;
    metrics.originBlocked.reset();
    for (const b of blocks) metrics.originBlocked.set({ origin: b.origin, reason: b.probe ? 'probe' : b.reason }, 1);
  }

  blockOf(origin: string): OriginBlock | undefined {
    return this.blocks.get(origin);
  }

  get hasBlocks(): boolean {
    return this.blocks.size > 0;
  }

  check(timer: ClaimedTimer): GateVerdict {
    // A send slot missed (this process was busy): sent now, it would bunch with the next slots.
    if (timer.sendBy && timer.sendBy.getTime() < this.deps.dbClock.now()) return SLOT_MISSED;
    const block = this.blocks.get(originOf(timer.url) ?? timer.url);
    if (!block || block.probe) return ALLOW;
    if (block.until !== null && block.until.getTime() <= this.deps.dbClock.now()) return ALLOW;
    return HAND_BACK;
  }

  done(): void {}

  /** An answer came (any status) or none did (`err`); called once per request. */
  answered(timer: ClaimedTimer, status: number | null, err: unknown): void {
    const origin = originOf(timer.url) ?? timer.url;
    const e = err instanceof DeliveryError ? err : null;
    const code = status ?? e?.statusCode ?? null;
    if ((code === 429 || code === 503) && e?.retryAfterMs) {
      const waitMs = Math.min(e.retryAfterMs, timer.retry.maxMs ?? this.deps.config.retryMaxMs);
      const until = new Date(this.deps.dbClock.now() + waitMs);
      const current = this.blocks.get(origin);
      if (!current || (current.until !== null && current.until < until)) {
        this.blocks.set(origin, { origin, until, reason: current?.reason ?? 'backoff', probe: false });
      }
      this.record(origin, 'Origin asked to slow down', { waitMs }, () => this.deps.flows.backOff(origin, waitMs));
    }
    const broken = e !== null && (e.errorClass === 'network' || e.errorClass === 'timeout' || (code ?? 0) >= 500);
    if (broken) {
      this.unhealthy.add(origin);
      this.reports.failure(origin);
    } else if (code !== null && this.unhealthy.has(origin)) {
      this.unhealthy.delete(origin);
      this.reports.success(origin);
    }
  }

  private record(origin: string, message: string, fields: object, write: () => Promise<void>): void {
    this.unhealthy.add(origin);
    this.deps.logger.info(message, { origin, ...fields });
    void write().catch((error: unknown) =>
      this.deps.logger.warn('Could not record an origin back-off', { origin, ...errorFields(error) }),
    );
  }
}
