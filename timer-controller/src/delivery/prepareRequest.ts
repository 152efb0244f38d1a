/**
 * The one place a claimed timer becomes the request that delivers it: where it
 * goes (read by the api's own rules, readWebhookUrl, and checked against
 * WEBHOOK_TARGETS; `{url}/{id}`, or the URL as given), its method, its body (the
 * timer's own payload or body, else `{"id","fire_at"}`), its headers (the
 * service's, then the timer's own, which the api kept from overriding them), its
 * signature, over exactly the bytes sent. It may throw — a
 * refused or unreadable target (a PermanentDeliveryError saying so), or anything
 * a bad row or a bug can raise — and the attempt turns any throw into that
 * timer's outcome; it never escapes to the wheel or the claim.
 */
import { checkUrlTarget, contentBody, pathWithId, PLAIN_WEBHOOK, readWebhookUrl } from '@timer/shared';
import type {
  ClaimedTimer,
  TargetPolicy,
  TraceContext,
  WebhookMethod,
  WebhookSpec,
  WebhookTarget,
} from '@timer/shared';
import { PermanentDeliveryError } from './answers';
import { signatureHeaders } from './signing';
import { deliveryKey, timerHeaders, webhookBody } from './webhookRequest';

/** What the sender sends: everything decided, nothing left to compute. */
export interface PreparedRequest {
  method: WebhookMethod;
  origin: string;
  path: string;
  /** Flat name/value pairs, as undici takes them. */
  headers: string[];
  body: string;
}

/** WEBHOOK_TARGETS (the signing keys come per tenant: signingKeys.ts). */
export interface RequestOptions {
  /** Where webhooks may go; checked again on the address connected to. */
  webhookTargets?: TargetPolicy;
}

const USER_AGENT = 'timer-service';
const MAX_CACHED_TARGETS = 10_000;

export class WebhookRequests {
  /** A parsed target, or why this URL may not be sent to: most timers share a handful of receivers. */
  private readonly targets = new Map<string, WebhookTarget | PermanentDeliveryError>();

  constructor(private readonly options: RequestOptions) {}

  /**
   * `nowMs`: the host's time, for the signature's timestamp. `keys`: the timer's
   * tenant's signing keys (none: unsigned). `spec`: what the timer sends
   * (WebhookSpecs). `trace`: the request's span, sent as `traceparent` and
   * `tracestate` so the receiver's spans continue the trace (tracing off: null,
   * no such headers).
   */
  prepare(
    timer: ClaimedTimer,
    nowMs: number,
    keys: readonly Buffer[],
    spec: WebhookSpec = PLAIN_WEBHOOK,
    trace: TraceContext | null = null,
  ): PreparedRequest {
    const target = this.target(timer.url);
    if (target instanceof PermanentDeliveryError) throw target;
    const own = contentBody(spec.content);
    const body = own?.body ?? JSON.stringify(webhookBody(timer));
    const key = deliveryKey(timer);
    const headers = [
      'content-type',
      own?.contentType ?? 'application/json',
      'idempotency-key',
      key,
      'user-agent',
      USER_AGENT,
      ...timerHeaders(timer),
    ];
    if (target.authorization) headers.push('authorization', target.authorization);
    if (trace) {
      headers.push('traceparent', trace.traceparent);
      if (trace.tracestate) headers.push('tracestate', trace.tracestate);
    }
    for (const [name, value] of spec.headers) headers.push(name, value);
    if (keys.length > 0) headers.push(...signatureHeaders(keys, key, body, nowMs));
    const path = spec.appendId ? pathWithId(target, timer.id) : `${target.url.pathname}${target.search}`;
    return { method: spec.method, origin: target.origin, path, headers, body };
  }

  private target(url: string): WebhookTarget | PermanentDeliveryError {
    let target = this.targets.get(url);
    if (target === undefined) {
      target = this.check(url);
      if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }

  /**
   * A URL stored before the api read URLs by these rules (or written by hand) that
   * they refuse fails its timer at once. Host names are checked when connecting;
   * IP literals and ports here.
   */
  private check(url: string): WebhookTarget | PermanentDeliveryError {
    const reading = readWebhookUrl(url);
    if (!reading.ok) {
      return new PermanentDeliveryError(`invalid webhook URL: ${reading.problem}`, { errorClass: 'invalid_request' });
    }
    if (this.options.webhookTargets) {
      const verdict = checkUrlTarget(reading.target.url, this.options.webhookTargets);
      if (verdict.outcome === 'refused') {
        return new PermanentDeliveryError(`webhook target refused: ${verdict.reason}`, {
          errorClass: 'target_refused',
        });
      }
    }
    return reading.target;
  }
}
