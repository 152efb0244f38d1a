/**
 * undici's low-level handler for one webhook request: keeps the status (and a
 * Retry-After), throws the body away up to a limit, and turns the end of the
 * exchange into a promise. One deadline on the injected clock bounds the whole
 * request, connection included.
 */
import type { Clock, TimerHandle } from '@timer/shared';
import { Answer, DeliveryError, PermanentDeliveryError } from './answers';

/** Most of a receiver's answer body that is read (and thrown away) to keep the connection. */
const MAX_DRAINED_BYTES = 64 * 1024;

class BodyTooLarge extends Error {}

interface Abortable {
  abort(reason: Error): void;
}

export class ResponseHandler {
  readonly result: Promise<Answer>;
  private resolve!: (answer: Answer) => void;
  private reject!: (err: Error) => void;
  private controller: Abortable | null = null;
  private abortedWith: Error | null = null;
  private status = 0;
  private retryAfter: string | string[] | undefined;
  private received = 0;
  private readonly deadline: TimerHandle;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {
    this.result = new Promise<Answer>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.deadline = clock.setTimer(timeoutMs, () =>
      this.abort(new DeliveryError(`timeout after ${timeoutMs} ms`, { errorClass: 'timeout' })),
    );
  }

  abort(reason: Error): void {
    if (this.abortedWith) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
  }

  onRequestStart(controller: Abortable): void {
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

  onResponseData(controller: Abortable, chunk: Buffer): void {
    this.received += chunk.length;
    if (this.received > MAX_DRAINED_BYTES) controller.abort(new BodyTooLarge());
  }

  onResponseEnd(): void {
    this.clock.clearTimer(this.deadline);
    this.resolve(this.answer());
  }

  onResponseError(_controller: unknown, err: Error): void {
    this.clock.clearTimer(this.deadline);
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

  private answer(): Answer {
    return { status: this.status, retryAfter: this.retryAfter };
  }
}

/** The guarded lookup refused the address: failed at once, never retried. */
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
