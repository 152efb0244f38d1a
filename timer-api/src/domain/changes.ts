/**
 * Changing a timer after it was created: PATCH, cancel, replay, under one
 * contract. A 200 means the old version will never be sent. A pending (or, for
 * PATCH and replay, failed) timer is changed by a write fenced by the version and
 * status just read. A timer a controller holds ahead of its time is asked back
 * from that controller first (holders.ts), and the write is fenced by its claim.
 * 409 timer_started when its request has started or may have; 503
 * holder_unreachable when its holder does not answer and its request cannot have
 * started yet. If-Match makes each conditional on the version (412).
 */
import { noTracing } from '@timer/shared';
import type {
  ChangeFence,
  Clock,
  Logger,
  Metrics,
  Store,
  TenantView,
  TimerHolder,
  TimerRecord,
  TraceContext,
  Tracing,
} from '@timer/shared';
import { AppError } from '../errors';
import type { PatchTimerRequest } from '../schemas';
import { OPEN_CLIENT } from './client';
import { normalizeId } from './ids';
import type { Holders } from './holders';
import type { Nudger } from './nudger';
import type { PendingQuota } from './pendingQuota';
import { planPatch } from './timerPatch';
import type { WebhookTargets } from './webhookTargets';
import { IfMatch, matches } from './versions';

export interface TimerChangesOptions {
  store: Store;
  holders: Holders;
  logger: Logger;
  metrics: Metrics;
  dbClock: Clock;
  nudger: Nudger;
  targets: WebhookTargets;
  quota?: PendingQuota;
  maxDelaySeconds: number;
  /** MAX_PAYLOAD_BYTES. */
  maxPayloadBytes: number;
  /** A timer due sooner than this is announced to the controllers. */
  nudgeWithinMs: number;
  /** LEASE_MS: a held timer's own due time is read back from its lease when its controller could not say. */
  leaseMs: number;
  /** A replay's span, whose trace the new series of deliveries continues (README "Tracing"); off by default. */
  tracing?: Tracing;
}

/** Reads of the timer before giving up on one that keeps changing under the request. */
const ROUNDS = 4;

type Written = { outcome: 'done'; timer: TimerRecord } | { outcome: 'not_found' } | { outcome: 'moved' };

/** How one operation (cancel, change, replay) meets the timer it reads. */
interface ChangeRule {
  /** The fence's status for a timer in `status`, or null when it cannot be changed this way. */
  from: (status: TimerRecord['status']) => 'pending' | 'failed' | null;
  refused: (status: TimerRecord['status']) => AppError;
  /** Whether a held timer may be asked back (not for a replay: only failed timers are replayed). */
  holdable?: boolean;
  /** What a version other than the one asked for means: 412 (If-Match), or read and plan again (null). */
  otherVersion?: 'precondition_failed' | 'retry';
  write: (fence: ChangeFence) => Promise<Written>;
}

export class TimerChanges {
  constructor(private readonly options: TimerChangesOptions) {}

  async cancel(rawId: string, ifMatch: IfMatch, sees: TenantView = OPEN_CLIENT.sees): Promise<TimerRecord> {
    const id = idOf(rawId);
    const timer = await this.apply(id, ifMatch, sees, {
      from: (status) => (status === 'pending' ? status : null),
      refused: (status) =>
        new AppError('timer_not_cancelable', `Only a pending timer can be canceled; this one is ${status}.`),
      write: async (fence) => {
        const result = await this.options.store.timers.cancel(id, fence, sees);
        return result.outcome === 'canceled' ? { outcome: 'done', timer: result.timer } : result;
      },
    });
    this.options.metrics.timersCanceled.inc();
    this.options.quota?.forget(id);
    this.options.logger.info('Timer canceled', { timerId: id, version: timer.version });
    return timer;
  }

  async change(
    rawId: string,
    request: PatchTimerRequest,
    ifMatch: IfMatch,
    sees: TenantView = OPEN_CLIENT.sees,
  ): Promise<TimerRecord> {
    const id = idOf(rawId);
    const { store } = this.options;
    let timer: TimerRecord | null = null;
    // The change is merged into the timer as read (retry, what it sends): it is
    // written only onto that version; another change in between means merging again.
    for (let round = 1; round <= ROUNDS && timer === null; round++) {
      const current = await store.timers.find(id, sees);
      if (!current) throw new AppError('timer_not_found');
      if (!matches(ifMatch, current.version)) throw new AppError('precondition_failed');
      timer = await this.changeOnce(id, request, current, sees);
    }
    if (timer === null) throw new AppError('contended', undefined, undefined, { retryAfterSeconds: 1 });
    if (timer.status === 'pending' && timer.msLeft < this.options.nudgeWithinMs) this.options.nudger.nudge();
    this.options.logger.info('Timer changed', {
      timerId: id,
      version: timer.version,
      fields: Object.keys(request),
      fireAt: timer.fireAt.toISOString(),
    });
    return timer;
  }

  /** The change planned on `current`, applied to that version only; null when the timer moved on to another. */
  private async changeOnce(
    id: string,
    request: PatchTimerRequest,
    current: TimerRecord,
    sees: TenantView,
  ): Promise<TimerRecord | null> {
    const { store, dbClock, targets } = this.options;
    const change = planPatch(request, current, dbClock.now(), this.options);
    if (change.url !== undefined) await targets.check(change.url);
    return this.apply(id, [current.version], sees, {
      otherVersion: 'retry',
      from: (status) => {
        if (status === 'pending') return status;
        if (status !== 'failed') return null;
        if (change.fireAt) {
          throw new AppError(
            'timer_not_changeable',
            'A failed timer is sent again by POST /timers/{id}/retry, at once: its fire time cannot be changed.',
          );
        }
        return status;
      },
      refused: (status) =>
        new AppError('timer_not_changeable', `Only a pending or failed timer can be changed; this one is ${status}.`),
      write: async (fence) => {
        const result = await store.timers.change(id, change, fence, sees);
        return result.outcome === 'changed' ? { outcome: 'done', timer: result.timer } : result;
      },
    });
  }

  /**
   * A failed timer back to pending, due now, with a fresh series of attempts. The
   * new series continues the replay's trace, linked to the creation (README "Tracing").
   */
  replay(rawId: string, ifMatch: IfMatch, sees: TenantView = OPEN_CLIENT.sees): Promise<TimerRecord> {
    const id = idOf(rawId);
    const tracing = this.options.tracing ?? noTracing;
    return tracing.inSpan('timer.replay', { attributes: { 'timer.id': id } }, (span) =>
      this.replayIn(id, ifMatch, sees, span.context),
    );
  }

  private async replayIn(
    id: string,
    ifMatch: IfMatch,
    sees: TenantView,
    trace: TraceContext | null,
  ): Promise<TimerRecord> {
    const timer = await this.apply(id, ifMatch, sees, {
      from: (status) => (status === 'failed' ? status : null),
      refused: (status) =>
        new AppError('timer_not_retryable', `Only a failed timer can be retried; this one is ${status}.`),
      holdable: false,
      write: async (fence) => {
        const result = await this.options.store.timers.replay(id, fence.version, sees, trace, fence.labelled);
        return result.outcome === 'replayed' ? { outcome: 'done', timer: result.timer } : result;
      },
    });
    this.options.nudger.nudge();
    this.options.logger.info('Timer replayed', { timerId: id, version: timer.version, lastError: timer.lastError });
    return timer;
  }

  /**
   * Reads the timer, decides on the state it is in, and writes fenced by that
   * state; a write that matches nothing (the timer moved on meanwhile) reads again.
   */
  private async apply(
    id: string,
    ifMatch: IfMatch,
    sees: TenantView,
    rule: ChangeRule & { otherVersion: 'retry' },
  ): Promise<TimerRecord | null>;
  private async apply(id: string, ifMatch: IfMatch, sees: TenantView, rule: ChangeRule): Promise<TimerRecord>;
  private async apply(id: string, ifMatch: IfMatch, sees: TenantView, rule: ChangeRule): Promise<TimerRecord | null> {
    for (let round = 1; round <= ROUNDS; round++) {
      const holder = await this.options.store.timers.holder(id, sees);
      if (!holder) throw new AppError('timer_not_found');
      if (!matches(ifMatch, holder.version)) {
        if (rule.otherVersion === 'retry') return null;
        throw new AppError('precondition_failed');
      }
      let fence: ChangeFence;
      if (holder.status === 'firing' && rule.holdable !== false) {
        fence = await this.takeBack(id, holder);
      } else {
        const from = rule.from(holder.status);
        if (from === null) throw rule.refused(holder.status);
        fence = { from, version: holder.version };
      }
      // Labels never change: the write also sets the label rows' outcome only if there are any.
      if (holder.labelled !== undefined) fence = { ...fence, labelled: holder.labelled };
      const written = await rule.write(fence);
      if (written.outcome === 'not_found') throw new AppError('timer_not_found');
      if (written.outcome === 'done') return written.timer;
    }
    throw new AppError('contended', undefined, undefined, { retryAfterSeconds: 1 });
  }

  /** Asks the holder to give the timer back: the fence to write under, or the answer why not. */
  private async takeBack(id: string, holder: TimerHolder): Promise<ChangeFence> {
    const claim = { id, leaseToken: holder.leaseToken };
    const answer = holder.lockedBy
      ? await this.options.holders.giveBack(holder.lockedBy, claim)
      : ({ outcome: 'unreachable', reason: 'no holder recorded' } as const);
    const { version, leaseToken } = holder;
    const { leaseMs } = this.options;
    switch (answer.outcome) {
      case 'given_back':
        return { from: 'held', version, leaseToken, dueAt: answer.dueAt, leaseMs };
      case 'not_held':
        return { from: 'held', version, leaseToken, dueAt: null, leaseMs };
      case 'started':
        throw new AppError('timer_started');
      case 'unreachable':
        // Its request may have started: the SPEC's one window, where a second delivery is possible.
        if (holder.unstartedForMs <= 0) throw new AppError('timer_started');
        throw new AppError('holder_unreachable', undefined, undefined, {
          retryAfterSeconds: retryAfterWithin(holder.leaseLeftMs),
        });
    }
  }
}

/**
 * A Retry-After no longer than what is left of the holder's lease (and at most 5
 * s: the holder may be back sooner); 0 when under a second is left.
 */
export function retryAfterWithin(leaseLeftMs: number): number {
  return Math.max(0, Math.min(5, Math.floor(leaseLeftMs / 1000)));
}

function idOf(rawId: string): string {
  const id = normalizeId(rawId);
  if (!id) throw new AppError('timer_not_found');
  return id;
}
