/**
 * One timer's attempt, from the moment its request starts to the outcome handed
 * to the fenced writes: prepare the request, send it, wait for the answer,
 * decide (delivered, retry after the back-off or the receiver's Retry-After,
 * failed), record. A shutdown that will not wait abandons it: the request is
 * aborted and the timer handed back, the attempt kept in the history as
 * `released`.
 *
 * Nothing about one timer escapes: a request whose target cannot be read fails
 * that timer at once (invalid_request); anything else that throws while the
 * request is built or sent is an internal error, retried under the timer's
 * policy; a fault while handling the answer fails the timer; run() never rejects.
 */
import type { ClaimedTimer, Clock, DbClock } from '@timer/shared';
import type { FencedWrites } from '../fenced/fencedWrites';
import { DeliveryError, internalError } from './answers';
import { attemptRecord, SendStart } from './attemptRecord';
import type { DeliveryLog } from './deliveryLog';
import type { Sending, WebhookSender } from './httpSender';
import type { PreparedRequest, WebhookRequests } from './prepareRequest';
import { nextStep, RetryDefaults } from './retryPolicy';

export interface AttemptContext {
  requests: WebhookRequests;
  sender: WebhookSender;
  writes: FencedWrites;
  log: DeliveryLog;
  /** The host's clock: durations, the signature's timestamp. */
  clock: Clock;
  /** The database's clock: lateness, and the times in the history. */
  dbClock: DbClock;
  retryDefaults: RetryDefaults;
  controllerId: string;
  random?: () => number;
  /** Told of every answer (or its absence), for what the origin says about itself (originHealth.ts). */
  origins?: { answered(timer: ClaimedTimer, status: number | null, err: unknown): void };
}

export class Attempt {
  private sending: Sending | null = null;
  private abandoned = false;

  constructor(
    readonly timer: ClaimedTimer,
    private readonly ctx: AttemptContext,
  ) {}

  /** Starts the request now; settles once the outcome is handed to the fenced writes. Never rejects. */
  async run(): Promise<void> {
    const start = this.startNow();
    let origin = '';
    try {
      let status: number;
      try {
        const request = this.prepare(start.hostMs);
        origin = request.origin;
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

  /** Any throw while building the request is this timer's attempt's outcome (see unpreparable). */
  private prepare(nowMs: number): PreparedRequest {
    try {
      return this.ctx.requests.prepare(this.timer, nowMs);
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
    ctx.writes.fired(timer, attemptRecord(timer, ctx.controllerId, start, end, 'delivered', { status }));
  }

  private failed(err: unknown, start: SendStart): void {
    const { timer, ctx } = this;
    const end = this.endNow();
    const attempt = (outcome: 'retry' | 'failed' | 'released') =>
      attemptRecord(timer, ctx.controllerId, start, end, outcome, { error: err });
    if (this.abandoned) return ctx.writes.releaseAbandoned(timer, attempt('released'));
    if (this.sending) ctx.origins?.answered(timer, null, err);
    const reason = err instanceof Error ? err.message : String(err);
    const detail = err instanceof DeliveryError ? err.logDetail : null;
    const durationMs = this.sending ? end.hostMs - start.hostMs : null;
    const step = nextStep(timer, err, ctx.retryDefaults, ctx.random);
    if (step.giveUp) {
      ctx.log.gaveUp(timer, reason, step.permanent, durationMs, detail);
      ctx.writes.failed(timer, reason, attempt('failed'));
    } else {
      ctx.log.retrying(timer, reason, step.delayMs, durationMs, detail);
      ctx.writes.retry(timer, step.delayMs, reason, attempt('retry'));
    }
  }
}
