/**
 * Sending one webhook: `POST {url}/{id}` with `{"id", "fire_at"}`, an
 * Idempotency-Key that is the timer id on every attempt, and the Timer-* headers
 * (id, scheduled fire time, attempt number, and the claim's lease token, which a
 * receiver can use to refuse a request from a controller that lost its lease).
 * Redirects are not followed. The answer decides what happens next: delivered,
 * retried, or failed at once (answers.ts); the request's shape is in
 * webhookRequest.ts.
 *
 * The client is undici with a keep-alive connection pool per origin: measured on
 * the same machine it sends several times as many requests per second as axios
 * (README, "Performance").
 */
import { Agent, Dispatcher } from 'undici';
import { checkUrlTarget, guardedLookup, pathWithId, readWebhookUrl } from '@timer/shared';
import type { ClaimedTimer, TargetPolicy, WebhookTarget } from '@timer/shared';
import { Answer, classifyAnswer, DeliveryError, PermanentDeliveryError, SendAborted, unpreparable } from './answers';
import { signatureHeaders } from './signing';
import { timerHeaders, webhookBody } from './webhookRequest';

export * from './answers';
export * from './webhookRequest';

export interface WebhookSenderOptions {
  timeoutMs: number;
  /** Most open connections per receiver origin. */
  maxSockets: number;
  userAgent: string;
  /** Standard Webhooks signing keys; none: requests are not signed. */
  signingKeys?: readonly Buffer[];
  /** Where webhooks may go (WEBHOOK_TARGETS); checked again here on the address connected to. */
  targets?: TargetPolicy;
  /** Sends instead of the sender's own connection pool (tests: undici's MockAgent). */
  dispatcher?: Dispatcher;
}

/** Most of a receiver's answer body that is read (and thrown away) to keep the connection. */
const MAX_DRAINED_BYTES = 64 * 1024;

/** A request under way: its outcome, and how to abort it. */
export interface Sending {
  result: Promise<number>;
  abort(): void;
}

export class WebhookSender {
  private readonly agent: Dispatcher;
  /** A parsed target, or why this URL may not be sent to. */
  private readonly targets = new Map<string, WebhookTarget | PermanentDeliveryError>();

  constructor(private readonly options: WebhookSenderOptions) {
    this.agent =
      options.dispatcher ??
      new Agent({
        connections: options.maxSockets,
        keepAliveTimeout: 10_000,
        // The address actually connected to is checked, not the one seen at creation:
        // a name may point somewhere else by now (DNS rebinding).
        connect: {
          timeout: options.timeoutMs,
          ...(options.targets ? { lookup: guardedLookup(options.targets) } : {}),
        },
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
  }

  /**
   * Starts the request. `result` resolves with the 2xx status, or rejects with a
   * DeliveryError saying why not (or SendAborted after abort()). Never throws:
   * whatever goes wrong while preparing this one request is this timer's outcome.
   */
  send(timer: ClaimedTimer): Sending {
    try {
      return this.dispatch(timer);
    } catch (err) {
      return { result: Promise.reject(unpreparable(err)), abort: () => undefined };
    }
  }

  private dispatch(timer: ClaimedTimer): Sending {
    const target = this.target(timer.url);
    if (target instanceof DeliveryError) throw target;
    const handler = new ResponseHandler(this.options.timeoutMs);
    const body = JSON.stringify(webhookBody(timer));
    const headers = [
      'content-type',
      'application/json',
      'idempotency-key',
      timer.id,
      'user-agent',
      this.options.userAgent,
      ...timerHeaders(timer),
    ];
    if (target.authorization) headers.push('authorization', target.authorization);
    const keys = this.options.signingKeys;
    if (keys && keys.length > 0) headers.push(...signatureHeaders(keys, timer.id, body, Date.now()));
    this.agent.dispatch(
      {
        origin: target.origin,
        path: pathWithId(target, timer.id),
        method: 'POST',
        headers,
        body,
      },
      handler,
    );
    return {
      result: handler.result.then((answer) => classifyAnswer(answer, Date.now())),
      abort: () => handler.abort(new SendAborted()),
    };
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  /**
   * Reads each distinct URL once (most timers share a handful of receivers), by
   * the api's own rules: a URL stored before those rules (or written by hand) that
   * they refuse fails its timer at once. Host names are checked when connecting;
   * IP literals and ports here.
   */
  private target(url: string): WebhookTarget | PermanentDeliveryError {
    let target = this.targets.get(url);
    if (target === undefined) {
      target = this.check(url);
      if (this.targets.size >= 10_000) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }

  private check(url: string): WebhookTarget | PermanentDeliveryError {
    const reading = readWebhookUrl(url);
    if (!reading.ok) {
      return new PermanentDeliveryError(`invalid webhook URL: ${reading.problem}`, { errorClass: 'invalid_request' });
    }
    if (this.options.targets) {
      const verdict = checkUrlTarget(reading.target.url, this.options.targets);
      if (verdict.outcome === 'refused') {
        return new PermanentDeliveryError(`webhook target refused: ${verdict.reason}`, {
          errorClass: 'target_refused',
        });
      }
    }
    return reading.target;
  }
}

class BodyTooLarge extends Error {}

/**
 * undici's low-level handler: keeps the status, throws the body away (up to a
 * limit), and turns the end of the exchange into a promise. One timer bounds the
 * whole request, connection included.
 */
class ResponseHandler {
  readonly result: Promise<Answer>;
  private resolve!: (answer: Answer) => void;
  private reject!: (err: Error) => void;
  private controller: { abort(reason: Error): void } | null = null;
  private abortedWith: Error | null = null;
  private status = 0;
  private retryAfter: string | string[] | undefined;
  private received = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.result = new Promise<Answer>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.timer = setTimeout(
      () => this.abort(new DeliveryError(`timeout after ${timeoutMs} ms`, { errorClass: 'timeout' })),
      timeoutMs,
    );
  }

  abort(reason: Error): void {
    if (this.abortedWith) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
  }

  onRequestStart(controller: { abort(reason: Error): void }): void {
    this.controller = controller;
    if (this.abortedWith) controller.abort(this.abortedWith);
  }

  onResponseStart(
    _controller: unknown,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return;
    this.status = statusCode;
    this.retryAfter = headers['retry-after'];
  }

  onResponseData(controller: { abort(reason: Error): void }, chunk: Buffer): void {
    this.received += chunk.length;
    if (this.received > MAX_DRAINED_BYTES) controller.abort(new BodyTooLarge());
  }

  onResponseEnd(): void {
    clearTimeout(this.timer);
    this.resolve(this.answer());
  }

  private answer(): Answer {
    return { status: this.status, retryAfter: this.retryAfter };
  }

  onResponseError(_controller: unknown, err: Error): void {
    clearTimeout(this.timer);
    // A body over the limit was cut off after its status arrived: the status stands.
    if (err instanceof BodyTooLarge && this.status) return this.resolve(this.answer());
    if (this.abortedWith) return this.reject(this.abortedWith);
    const refused = refusedTarget(err);
    if (refused) {
      return this.reject(
        new PermanentDeliveryError(refused.message, { errorClass: 'target_refused', logDetail: refused.detail }),
      );
    }
    this.reject(
      isTimeout(err)
        ? new DeliveryError(`timeout after ${this.timeoutMs} ms`, { errorClass: 'timeout' })
        : new DeliveryError(describeNetworkError(err), { errorClass: 'network' }),
    );
  }
}

/** The guarded lookup's refusal, if that is what ended the request: failed at once, never retried. */
function refusedTarget(err: unknown): { message: string; detail?: string } | undefined {
  const cause = (err as { cause?: unknown }).cause;
  return [err, cause].find((e) => (e as { code?: string } | undefined)?.code === 'ETARGETREFUSED') as
    { message: string; detail?: string } | undefined;
}

function isTimeout(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici wraps socket errors; the cause carries the useful code (ECONNREFUSED, …).
  const cause = (err as { cause?: unknown }).cause;
  const source = cause instanceof Error ? cause : err;
  const code = (source as { code?: string }).code;
  const message = source.message.slice(0, 300);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
