/**
 * The one place a claimed timer becomes the request that delivers it: where it
 * goes (checked against WEBHOOK_TARGETS), its body, its headers, its signature.
 * It may throw — a refused or unreadable target (a DeliveryError saying so), or
 * anything a bad row or a bug can raise — and the attempt turns any throw into
 * that timer's failure; it never escapes to the wheel or the claim.
 */
import { checkUrlTarget } from '@timer/shared';
import type { ClaimedTimer, TargetPolicy } from '@timer/shared';
import { PermanentDeliveryError } from './answers';
import { signatureHeaders } from './signing';
import { parseTarget, Target, timerHeaders, webhookBody, webhookPath } from './webhookRequest';

/** What the sender sends: everything decided, nothing left to compute. */
export interface PreparedRequest {
  origin: string;
  path: string;
  /** Flat name/value pairs, as undici takes them. */
  headers: string[];
  body: string;
}

/** WEBHOOK_SECRET (Standard Webhooks signing keys; none: not signed) and WEBHOOK_TARGETS. */
export interface RequestOptions {
  webhookSecrets?: readonly Buffer[];
  /** Where webhooks may go; checked again on the address connected to. */
  webhookTargets?: TargetPolicy;
}

const USER_AGENT = 'timer-service';
const MAX_CACHED_TARGETS = 10_000;

export class WebhookRequests {
  /** A parsed target, or why this URL may not be sent to: most timers share a handful of receivers. */
  private readonly targets = new Map<string, Target | string>();

  constructor(private readonly options: RequestOptions) {}

  /** `nowMs`: the host's time, for the signature's timestamp. */
  prepare(timer: ClaimedTimer, nowMs: number): PreparedRequest {
    const target = this.target(timer.url);
    if (typeof target === 'string') throw new PermanentDeliveryError(target, { errorClass: 'target_refused' });
    const body = JSON.stringify(webhookBody(timer));
    const headers = [
      'content-type',
      'application/json',
      'idempotency-key',
      timer.id,
      'user-agent',
      USER_AGENT,
      ...timerHeaders(timer),
    ];
    if (target.authorization) headers.push('authorization', target.authorization);
    const keys = this.options.webhookSecrets;
    if (keys && keys.length > 0) headers.push(...signatureHeaders(keys, timer.id, body, nowMs));
    return { origin: target.origin, path: webhookPath(target, timer.id), headers, body };
  }

  private target(url: string): Target | string {
    let target = this.targets.get(url);
    if (target === undefined) {
      target = this.check(url);
      if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }

  /** Host names are checked when connecting; IP literals and ports only here. */
  private check(url: string): Target | string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'invalid URL';
    }
    if (this.options.webhookTargets) {
      const verdict = checkUrlTarget(parsed, this.options.webhookTargets);
      if (verdict.outcome === 'refused') return `webhook target refused: ${verdict.reason}`;
    }
    return parseTarget(url);
  }
}
