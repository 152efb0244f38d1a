/**
 * One timer's attempt, from the moment its request starts to the outcome handed
 * to the fenced writes: read what the timer sends (only a timer with its own
 * request; if the database cannot say, the timer is handed back unsent and no
 * attempt is counted), prepare the request, send it, wait for the answer,
 * decide (delivered, retry after the back-off or the receiver's Retry-After,
 * failed), record. A shutdown that will not wait abandons it: the request is
 * aborted and the timer handed back, the attempt kept in the history as
 * `released`.
 *
 * Nothing about one timer escapes: a request whose target cannot be read fails
 * that timer at once (invalid_request); anything else that throws while the
 * request is built or sent is an internal error, retried under the timer's
 * policy; a fault while handling the answer fails the timer; run() never rejects.
 *
 * With tracing on, the attempt runs inside its request's span (deliveryTrace.ts):
 * the webhook carries that span's `traceparent`, and the lines logged meanwhile
 * its ids.
 */
import { DataKeyError } from '@timer/shared';
import type { AttemptRecord, ClaimedTimer, Clock, DbClock, Span, Tracing, WebhookSpec } from '@timer/shared';
import type { FencedWrites } from '../fenced/fencedWrites';
import { DeliveryError, internalError, PermanentDeliveryError } from './answers';
import { attemptRecord, SendStart } from './attemptRecord';
import type { DeliveryLog } from './deliveryLog';
import type { Sending, WebhookSender } from './httpSender';
import type { PreparedRequest, WebhookRequests } from './prepareRequest';
import { nextStep, RetryDefaults } from './retryPolicy';
import type { WebhookSpecs } from './webhookSpecs';
import type { SigningKeys } from './signingKeys';
import { DeliveryTrace, describeTarget, endRequest } from '../tracing/deliveryTrace';
import type { OnRecorded } from '../fenced/writesUnderWay';

export interface AttemptContext {
  requests: WebhookRequests;
  specs: WebhookSpecs;
  signingKeys: SigningKeys;
  sender: WebhookSender;
  writes: FencedWrites;
  log: DeliveryLog;
  /** The host's clock: durations, the signature's timestamp. */
  clock: Clock;
  /** The database's clock: lateness, and the times in the history. */
  dbClock: DbClock;
  retryDefaults: RetryDefaults;
  controllerId: string;
  tracing: Tracing;
  random?: () => number;
  /** Told of every answer (or its absence), for what the origin says about itself (originHealth.ts). */
  origins?: { answered(timer: ClaimedTimer, status: number | null, err: unknown): void };
}

export class Attempt {
  private sending: Sending | null = null;
  private abandoned = false;
  /** The request's span; null with tracing off. */
  private span: Span | null = null;

  constructor(
    readonly timer: ClaimedTimer,
    private readonly ctx: AttemptContext,
    private readonly trace?: DeliveryTrace,
  ) {}

  /** Starts the request now; settles once the outcome is handed to the fenced writes. Never rejects. */
  run(): Promise<void> {
    if (!this.trace) return this.send();
    this.span = this.trace.startRequest(this.ctx.clock.now());
    return this.ctx.tracing.withActive(this.span, () => this.send());
  }

  private async send(): Promise<void> {
    const spec = await this.readSpec();
    if (spec === null) return;
    const start = this.startNow();
    let origin = '';
    try {
      let status: number;
      try {
        const request = this.prepare(start.hostMs, spec, await this.signingKeys());
        origin = request.origin;
        if (this.span) describeTarget(this.span, request.origin, request.path);
        try {
          this.sending = this.ctx.sender.send(request);
        } catch (err) {
          throw internalError('sending', err);
        }
        status = await this.sending.result;
      } catch (err) {
        return this.failed(err, start);
      }
      this.delivered(status, start, origin);
    } catch (err) {
      // A bug while handling the answer: the outcome is unknown, so the timer is failed
      // (with the error; a replay is the operator's call), never left firing for ever.
      this.ctx.log.unexpected(this.timer, err);
      const reason = `internal error after the request: ${err instanceof Error ? err.message : String(err)}`;
      this.ctx.writes.failed(this.timer, reason.slice(0, 500));
    }
  }

  /** The shutdown will not wait for the answer: abort, and hand the timer back. */
  abandon(): void {
    this.abandoned = true;
    this.sending?.abort();
  }

  /** What the timer sends; null when it was handed back instead (unreadable, or abandoned meanwhile). */
  private async readSpec(): Promise<WebhookSpec | DataKeyError | null> {
    const { timer, ctx } = this;
    try {
      const spec = await ctx.specs.of(timer);
      if (!this.abandoned) return spec;
      await ctx.writes.releaseUnsent([timer], 'shutdown');
    } catch (err) {
      ctx.log.specUnavailable(timer, err);
      await ctx.writes.releaseUnsent([timer], 'spec_unavailable');
    }
    return null;
  }

  /** Its tenant's keys; not knowing them (the database away) is an internal error, retried. */
  private async signingKeys(): Promise<readonly Buffer[]> {
    let keys: readonly Buffer[];
    try {
      keys = await this.ctx.signingKeys.keysFor(this.timer.tenant);
    } catch (err) {
      throw internalError('finding the signing keys for', err);
    }
    // The shutdown may have given up on this attempt while it waited: send nothing.
    if (this.abandoned) throw new Error('abandoned before the request started');
    return keys;
  }

  /** Any throw while building the request is this timer's attempt's outcome (see unpreparable). */
  private prepare(nowMs: number, spec: WebhookSpec | DataKeyError, keys: readonly Buffer[]): PreparedRequest {
    // Sealed under a data key DATA_KEYS no longer holds: no request can be built, ever.
    const unreadable = this.timer.unreadable ?? (spec instanceof DataKeyError ? `what it sends ${spec.message}` : null);
    if (unreadable !== null) throw new PermanentDeliveryError(unreadable, { errorClass: 'invalid_request' });
    if (spec instanceof DataKeyError) throw spec;
    try {
      return this.ctx.requests.prepare(this.timer, nowMs, keys, spec, this.span?.context ?? null);
    } catch (err) {
      throw internalError('preparing', err);
    }
  }

  private startNow(): SendStart {
    const dbMs = this.ctx.dbClock.now();
    const start = { dbMs, hostMs: this.ctx.clock.now(), latenessMs: dbMs - this.timer.dueAt.getTime() };
    this.ctx.log.started(this.timer, start.latenessMs);
    return start;
  }

  private endNow(): { dbMs: number; hostMs: number } {
    return { dbMs: this.ctx.dbClock.now(), hostMs: this.ctx.clock.now() };
  }

  private delivered(status: number, start: SendStart, origin: string): void {
    const { timer, ctx } = this;
    const end = this.endNow();
    ctx.origins?.answered(timer, status, null);
    ctx.log.delivered(timer, origin, status, start.latenessMs, end.hostMs - start.hostMs);
    const record = attemptRecord(timer, ctx.controllerId, start, end, 'delivered', { status });
    ctx.writes.fired(timer, record, this.traced(record, end.hostMs));
  }

  /** Ends the request's span with its outcome; what ends the outcome write's span, once it is over. */
  private traced(record: AttemptRecord, nowMs: number): OnRecorded | undefined {
    return this.span ? endRequest(this.ctx.tracing, this.span, record, nowMs) : undefined;
  }

  private failed(err: unknown, start: SendStart): void {
    const { timer, ctx } = this;
    const end = this.endNow();
    const attempt = (outcome: 'retry' | 'failed' | 'released') =>
      attemptRecord(timer, ctx.controllerId, start, end, outcome, { error: err });
    if (this.abandoned) {
      const released = attempt('released');
      return ctx.writes.releaseAbandoned(timer, released, this.traced(released, end.hostMs));
    }
    if (this.sending) ctx.origins?.answered(timer, null, err);
    const reason = err instanceof Error ? err.message : String(err);
    const detail = err instanceof DeliveryError ? err.logDetail : null;
    const durationMs = this.sending ? end.hostMs - start.hostMs : null;
    const step = nextStep(timer, err, ctx.retryDefaults, ctx.random);
    if (step.giveUp) {
      ctx.log.gaveUp(timer, reason, step.permanent, durationMs, detail);
      const failed = attempt('failed');
      ctx.writes.failed(timer, reason, failed, this.traced(failed, end.hostMs));
    } else {
      ctx.log.retrying(timer, reason, step.delayMs, durationMs, detail);
      const retry = attempt('retry');
      ctx.writes.retry(timer, step.delayMs, reason, retry, this.traced(retry, end.hostMs));
    }
  }
}
