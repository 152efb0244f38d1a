/**
 * Sending one prepared webhook request over HTTP. Redirects are not followed.
 * The answer is classified into delivered, retried or failed at once
 * (answers.ts); the request itself was built by prepareRequest.ts.
 *
 * The client is undici with a keep-alive connection pool per origin: measured on
 * the same machine it sends several times as many requests per second as axios
 * (README, "Performance"). One deadline on the injected clock bounds the whole
 * exchange; undici's own connect/headers/body timeouts are a backstop on real
 * time (tests fake webhook timeouts with a fake sender instead).
 */
import { Agent, Dispatcher } from 'undici';
import { guardedLookup } from '@timer/shared';
import type { Clock, TargetPolicy } from '@timer/shared';
import { classifyAnswer, SendAborted } from './answers';
import type { PreparedRequest } from './prepareRequest';
import { ResponseHandler } from './responseHandler';

/** A request under way: its outcome, and how to abort it. */
export interface Sending {
  /** Resolves with the 2xx status, or rejects with a DeliveryError saying why not (SendAborted after abort()). */
  result: Promise<number>;
  abort(): void;
}

/** What delivery sends requests with: HttpSender, or a fake in tests. */
export interface WebhookSender {
  send(request: PreparedRequest): Sending;
  close(): Promise<void>;
}

/** WEBHOOK_TIMEOUT_MS, MAX_IN_FLIGHT (most open connections per receiver origin), WEBHOOK_TARGETS. */
export interface HttpSenderOptions {
  webhookTimeoutMs: number;
  maxInFlight: number;
  /** Where webhooks may go, checked on the address actually connected to. */
  webhookTargets?: TargetPolicy;
  clock: Clock;
  /** Sends instead of the sender's own connection pool (tests: undici's MockAgent). */
  dispatcher?: Dispatcher;
}

export class HttpSender implements WebhookSender {
  private readonly agent: Dispatcher;

  constructor(private readonly options: HttpSenderOptions) {
    const timeoutMs = options.webhookTimeoutMs;
    this.agent =
      options.dispatcher ??
      new Agent({
        connections: options.maxInFlight,
        keepAliveTimeout: 10_000,
        // The address actually connected to is checked, not the one seen at creation:
        // a name may point somewhere else by now (DNS rebinding).
        connect: {
          timeout: timeoutMs,
          ...(options.webhookTargets ? { lookup: guardedLookup(options.webhookTargets) } : {}),
        },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
  }

  send(request: PreparedRequest): Sending {
    const { clock, webhookTimeoutMs } = this.options;
    const handler = new ResponseHandler(clock, webhookTimeoutMs);
    this.agent.dispatch(
      {
        origin: request.origin,
        path: request.path,
        method: request.method,
        headers: request.headers,
        body: request.body,
      },
      handler,
    );
    return {
      result: handler.result.then((answer) => classifyAnswer(answer, clock.now())),
      abort: () => handler.abort(new SendAborted()),
    };
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
