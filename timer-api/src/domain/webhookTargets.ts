/**
 * WEBHOOK_TARGETS at creation: a timer whose URL the controller would refuse to
 * send to is refused now, with a 400 the client can act on, instead of failing
 * quietly when it is due. The rules are shared with the controller
 * (@timer/shared addressPolicy); the controller checks again on the address it
 * connects to, which is the check that counts (a name can change its answer
 * between now and then).
 *
 * A host name is resolved with dns.lookup, the resolver the controller uses too.
 * When it cannot be resolved the timer is accepted (unless WEBHOOK_REQUIRE_DNS):
 * an api may have no DNS a controller has, "not found" is indistinguishable from
 * "no resolver reachable", and a name may be created after its timer. The send-time
 * check still applies, and a name that never resolves ends as `failed` with its
 * error in `last_error`.
 */
import { isIP } from 'node:net';
import {
  checkAddresses,
  checkUrlTarget,
  Clock,
  hostRefusedReason,
  LookupAll,
  resolveAll,
  systemClock,
  TargetPolicy,
} from '@timer/shared';
import { AppError } from '../errors';

/** The api answers in well under a second even when DNS does not. */
const DNS_TIMEOUT_MS = 2000;
/** Answers are kept briefly: a burst of timers for one host costs one lookup. */
const CACHE_MS = 10_000;
const CACHE_ENTRIES = 1000;

type Answer = { addresses: string[] } | { error: string };

export interface WebhookTargetOptions {
  policy: TargetPolicy;
  requireDns: boolean;
  /** dns.lookup unless a test gives another. */
  lookup?: LookupAll;
  clock?: Clock;
  /** How long to wait for DNS; DNS_TIMEOUT_MS unless a test gives another. */
  timeoutMs?: number;
}

export class WebhookTargets {
  /**
   * URLs allowed without DNS: a pure function of the URL and the policy, so kept
   * (most timers go to a few URLs, and the check parses each again).
   */
  private readonly allowedAsWritten = new Set<string>();
  private readonly cache = new Map<string, { answer: Answer; until: number }>();
  private readonly pending = new Map<string, Promise<Answer>>();
  private readonly clock: Clock;

  constructor(private readonly options: WebhookTargetOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Resolves when `url` (already an absolute http(s) URL) may be a webhook target; else throws a 400. */
  async check(url: string): Promise<void> {
    if (this.allowedAsWritten.has(url)) return;
    const { policy, requireDns } = this.options;
    const parsed = new URL(url);
    const first = checkUrlTarget(parsed, policy);
    if (first.outcome === 'refused') throw refused(first.reason);
    const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    // An IP literal is decided already; under `any` a name is looked up only for WEBHOOK_REQUIRE_DNS.
    if (isIP(hostname) !== 0 || (first.outcome === 'allowed' && !requireDns)) {
      if (this.allowedAsWritten.size >= CACHE_ENTRIES) this.allowedAsWritten.clear();
      this.allowedAsWritten.add(url);
      return;
    }
    const answer = await this.resolve(hostname.toLowerCase());
    if ('error' in answer) {
      if (!requireDns) return;
      throw new AppError(
        'webhook_host_unresolvable',
        `Invalid request body: the url's host ${hostname.slice(0, 255)} does not resolve (${answer.error}).`,
        [{ path: 'url', message: `host ${hostname.slice(0, 255)} does not resolve` }],
      );
    }
    if (policy.mode === 'any') return;
    // The reason names the address; for a name that would tell a client what
    // internal names resolve to, so the answer stays general.
    if (!checkAddresses(answer.addresses, policy).allowed) throw refused(hostRefusedReason(policy.mode));
  }

  private resolve(hostname: string): Promise<Answer> {
    const now = this.clock.now();
    const cached = this.cache.get(hostname);
    if (cached && cached.until > now) return Promise.resolve(cached.answer);
    const running = this.pending.get(hostname);
    if (running) return running;
    const lookup = resolveAll(hostname, this.options.timeoutMs ?? DNS_TIMEOUT_MS, this.options.lookup).then(
      (addresses): Answer => ({ addresses }),
      (err: NodeJS.ErrnoException): Answer => ({ error: err.code ?? 'lookup failed' }),
    );
    const settled = lookup.then((answer) => {
      this.pending.delete(hostname);
      this.cache.delete(hostname);
      if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(hostname, { answer, until: this.clock.now() + CACHE_MS });
      return answer;
    });
    this.pending.set(hostname, settled);
    return settled;
  }
}

function refused(reason: string): AppError {
  return new AppError('webhook_target_refused', `Invalid request body: ${reason}.`, [{ path: 'url', message: reason }]);
}
