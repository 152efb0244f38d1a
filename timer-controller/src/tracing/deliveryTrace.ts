/**
 * A claimed timer's spans, in the trace stored with it (README "Tracing"): the
 * claim, the wait in the wheel, each request (an HTTP CLIENT span, whose context
 * the webhook carries in `traceparent`), and the write of its outcome. Their
 * parent is the span that created the timer (or replayed it), read back from
 * the row by the claim, so a delivery joins the creator's trace across
 * processes, restarts and retries. The claim's batch is a trace of its own: each
 * timer's claim span links to it.
 *
 * Spans whose start and end are both known when they are made (the claim, the
 * wait) are made then, with those times: nothing stays open while a timer sits
 * in the wheel, and a timer handed back unsent leaves nothing half-done.
 */
import type { AttemptRecord, ClaimedTimer, Span, TraceContext, Tracing } from '@timer/shared';

/** One claim query: its span's context and when it ran (host ms). */
export interface ClaimBatch {
  context: TraceContext | null;
  startMs: number;
  endMs: number;
}

/** The batch's own span (a new trace; only for a claim that took something) and one DeliveryTrace per timer. */
export function traceClaim(
  tracing: Tracing,
  timers: readonly ClaimedTimer[],
  run: { startMs: number; endMs: number; limit: number; controllerId: string },
): DeliveryTrace[] {
  const span = tracing.startSpan('claim timers', {
    parent: null,
    startMs: run.startMs,
    attributes: {
      'timer.claim.count': timers.length,
      'timer.claim.limit': run.limit,
      'timer.controller_id': run.controllerId,
    },
  });
  span.end(run.endMs);
  const batch = { context: span.context, startMs: run.startMs, endMs: run.endMs };
  return timers.map((timer) => new DeliveryTrace(tracing, timer, batch));
}

export class DeliveryTrace {
  private readonly parent: TraceContext | null;
  private readonly links: (TraceContext | null)[];

  constructor(
    private readonly tracing: Tracing,
    private readonly timer: ClaimedTimer,
    private readonly batch: ClaimBatch,
  ) {
    // A timer stored without a context (created while tracing was off) joins the claim's trace instead.
    this.parent = timer.trace?.parent ?? batch.context;
    this.links = timer.trace?.link ? [timer.trace.link] : [];
    const claim = tracing.startSpan('timer.claim', {
      parent: this.parent,
      startMs: batch.startMs,
      links: [batch.context, ...this.links],
      attributes: {
        'timer.id': timer.id,
        'timer.lease_token': timer.leaseToken,
        'timer.attempt': timer.attemptNumber,
      },
    });
    claim.end(batch.endMs);
  }

  /** The request starts now: the wait ends, and the request's span begins. Its context goes in `traceparent`. */
  startRequest(nowMs: number): Span {
    this.waited(nowMs, 'sent');
    return this.tracing.startSpan('POST', {
      kind: 'client',
      parent: this.parent,
      startMs: nowMs,
      links: this.links,
      attributes: {
        'http.request.method': 'POST',
        'timer.id': this.timer.id,
        'timer.attempt': this.timer.attemptNumber,
      },
    });
  }

  /** Handed back or skipped before any request: only the wait is recorded, with why it ended. */
  unsent(nowMs: number, outcome: 'skipped' | 'released'): void {
    this.waited(nowMs, outcome);
  }

  private waited(nowMs: number, outcome: string): void {
    const wait = this.tracing.startSpan('timer.wait', {
      parent: this.parent,
      startMs: this.batch.endMs,
      links: this.links,
      attributes: { 'timer.id': this.timer.id, 'timer.wait.outcome': outcome },
    });
    wait.end(Math.max(nowMs, this.batch.endMs));
  }
}

/** The request's target, as the HTTP semantic conventions name it (the query left out: it may hold credentials). */
export function describeTarget(span: Span, origin: string, path: string): void {
  const url = new URL(origin);
  span.setAttributes({
    'server.address': url.hostname,
    'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    'url.full': `${origin}${path.split('?')[0]}`,
  });
}

/**
 * Ends the request's span with what came of it, and starts the span of its
 * outcome's write (ended by `recorded` once the write is over).
 */
export function endRequest(
  tracing: Tracing,
  span: Span,
  record: AttemptRecord,
  nowMs: number,
): (landed: boolean) => void {
  span.setAttributes({
    'http.response.status_code': record.statusCode ?? undefined,
    'error.type': errorType(record),
    'timer.outcome': record.outcome,
    'timer.lateness_ms': record.latenessMs,
  });
  if (record.outcome !== 'delivered') span.fail(record.error ?? record.outcome);
  span.end(nowMs);
  const write = tracing.startSpan('UPDATE timers', {
    kind: 'client',
    parent: span.context,
    startMs: nowMs,
    attributes: { 'db.operation.name': 'UPDATE', 'db.collection.name': 'timers', 'timer.outcome': record.outcome },
  });
  return (landed) => {
    write.setAttributes({ 'timer.outcome.recorded': landed });
    if (!landed) write.fail('not recorded: given up, or the lease was lost');
    write.end();
  };
}

/** The status code for an HTTP failure, else the kind of failure (timeout, network, …). */
function errorType(record: AttemptRecord): string | undefined {
  if (record.errorClass === null) return undefined;
  return record.errorClass === 'http' && record.statusCode !== null ? String(record.statusCode) : record.errorClass;
}
