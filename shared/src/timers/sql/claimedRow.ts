/**
 * What a claim reads of each timer it takes, and the ClaimedTimer made from it:
 * shared by the ordinary claim (claimDueTimers.ts) and a limited flow's claim
 * (flows/sql/claimFlowTimers.ts), so both hand the controller the same thing.
 */
import type { AtRest } from '../../crypto/atRest';
import { DataKeyError } from '../../crypto/dataKeys';
import { DbTime, Dialect } from '../../db/dialect';
import { storedContext } from '../../tracing/tracing';
import type { ClaimedTimer } from '../types';

/**
 * What the timer sends (timers.webhook) is not read here: only whether it has its
 * own (custom_webhook). The controller loads it when the request starts
 * (findWebhookSpecs), so a held timer weighs the same whatever its body.
 */
export const CLAIM_COLUMNS = `id, tenant, url, url_sealed, fire_at, due_at, attempts, prior_attempts, lease_token,
  max_attempts, retry_base_ms, retry_max_ms, max_lateness_s, version, trace_parent, trace_state, trace_link,
  flow_key, flow_due_at,
  CASE WHEN prior_attempts = 0 AND last_error IS NULL THEN 1 ELSE 0 END AS untried,
  CASE WHEN webhook IS NULL THEN 0 ELSE 1 END AS custom_webhook,
  CASE WHEN callbacks IS NULL THEN 0 ELSE 1 END AS notify,
  CASE WHEN labels IS NULL THEN 0 ELSE 1 END AS labelled`;

export interface ClaimRow {
  id: string;
  /** Whose timer it is; with the flow key, which configured flow it belongs to. */
  tenant: string;
  url: string;
  /** The whole URL, sealed with the data keys (url then holds only its origin); null when not sealed. */
  url_sealed: string | null;
  fire_at: DbTime;
  due_at: DbTime | null;
  attempts: number;
  prior_attempts: number;
  lease_token: number | string;
  max_attempts: number | null;
  retry_base_ms: number | null;
  retry_max_ms: number | null;
  max_lateness_s: number | null;
  version: number | string;
  trace_parent: string | null;
  trace_state: string | null;
  trace_link: string | null;
  flow_key: string | null;
  /** Set while the timer waits for its flow's capacity: its due time. */
  flow_due_at: DbTime | null;
  /** 1 while nothing has failed and the timer was never replayed: the next delivery is the fire itself. */
  untried: number | string;
  custom_webhook: number | string;
  notify: number | string;
  labelled: number | string;
}

/**
 * The timer as claimed: `dueAt` its own due time; `flowId` the limited flow it was
 * claimed through, if any; its URL opened with the data keys.
 */
export function toClaimedTimer(
  d: Dialect,
  r: ClaimRow,
  dueAt: DbTime,
  flowId: number | null,
  atRest: AtRest,
): ClaimedTimer {
  return {
    id: r.id,
    tenant: r.tenant,
    ...openUrl(atRest, r),
    fireAt: d.date(r.fire_at),
    dueAt: d.date(dueAt),
    attempt: r.attempts + 1,
    attemptNumber: r.prior_attempts + r.attempts + 1,
    leaseToken: Number(r.lease_token) + 1,
    retry: { maxAttempts: r.max_attempts, baseMs: r.retry_base_ms, maxMs: r.retry_max_ms },
    maxLatenessMs: r.max_lateness_s !== null && Number(r.untried) === 1 ? r.max_lateness_s * 1000 : null,
    version: Number(r.version),
    customWebhook: Number(r.custom_webhook) === 1,
    notify: Number(r.notify) === 1,
    labelled: Number(r.labelled) === 1,
    trace: { parent: storedContext(r.trace_parent, r.trace_state), link: storedContext(r.trace_link) },
    flowId,
  };
}

/** The URL to send to; one that does not open fails only its own timer (ClaimedTimer.unreadable). */
function openUrl(atRest: AtRest, r: ClaimRow): { url: string; unreadable?: string } {
  try {
    return { url: atRest.openUrl({ url: r.url, urlSealed: r.url_sealed }, r.tenant) };
  } catch (err) {
    if (!(err instanceof DataKeyError)) throw err;
    return { url: r.url, unreadable: `the webhook URL ${err.message}` };
  }
}
