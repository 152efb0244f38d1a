/**
 * Asks the controller that holds a timer to give it back before the api changes
 * or cancels it. Targeted: the controller named by the timer's locked_by, found
 * in the controllers table (or in this process, under `npm start`). Synchronous:
 * the api waits for the answer, up to GIVE_BACK_TIMEOUT_MS. Fenced: the question
 * names the claim (lease token) the api read, and the controller answers about
 * that claim only.
 */
import { errorFields } from '@timer/shared';
import type { ClaimRef, Fleet, GiveBackAnswer, LocalControllers, Logger, Metrics } from '@timer/shared';
import { internalHeaders } from './internalCalls';
import { STALE_AFTER_MS } from './nudger';

/** A controller's answer, or none: it is not registered, refused, or did not answer in time. */
export type HolderAnswer = GiveBackAnswer | { outcome: 'unreachable'; reason: string };

export interface HolderOptions {
  fleet: Pick<Fleet, 'endpointOf'>;
  local?: LocalControllers;
  internalToken: string | null;
  timeoutMs: number;
  metrics: Metrics;
  logger: Logger;
}

export interface Holders {
  giveBack(controllerId: string, claim: ClaimRef): Promise<HolderAnswer>;
}

/** How long a controller's endpoint is reused before it is read from the controllers table again. */
const ENDPOINT_TTL_MS = 2000;

export class ControllerHolders implements Holders {
  /** Endpoints by controller id, with when each was read (a late cancel should not wait on a query). */
  private readonly endpoints = new Map<string, { endpoint: string; readAt: number }>();

  constructor(private readonly options: HolderOptions) {}

  async giveBack(controllerId: string, claim: ClaimRef): Promise<HolderAnswer> {
    const answer = await this.ask(controllerId, claim);
    this.options.metrics.giveBacks.inc({ result: answer.outcome });
    if (answer.outcome === 'unreachable') {
      this.options.logger.warn('Controller holding a timer did not give it back', {
        timerId: claim.id,
        controllerId,
        reason: answer.reason,
      });
    }
    return answer;
  }

  private async ask(controllerId: string, claim: ClaimRef): Promise<HolderAnswer> {
    const local = this.options.local?.get(controllerId);
    if (local) return local.giveBack(claim);
    const endpoint = await this.endpointOf(controllerId);
    if (!endpoint) return { outcome: 'unreachable', reason: 'not registered' };
    try {
      const res = await fetch(`${endpoint}/timers/${encodeURIComponent(claim.id)}/give-back`, {
        method: 'POST',
        headers: { ...internalHeaders(this.options.internalToken), 'content-type': 'application/json' },
        body: JSON.stringify({ lease_token: claim.leaseToken }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (res.status !== 200) {
        await res.body?.cancel();
        this.endpoints.delete(controllerId);
        return { outcome: 'unreachable', reason: `HTTP ${res.status}` };
      }
      return readAnswer(await res.json());
    } catch (err) {
      // Read again next time: the controller may have come back elsewhere.
      this.endpoints.delete(controllerId);
      return { outcome: 'unreachable', reason: errorFields(err).error };
    }
  }

  private async endpointOf(controllerId: string): Promise<string | null> {
    const cached = this.endpoints.get(controllerId);
    if (cached && Date.now() - cached.readAt < ENDPOINT_TTL_MS) return cached.endpoint;
    const endpoint = await this.options.fleet.endpointOf(controllerId, STALE_AFTER_MS);
    if (endpoint) this.endpoints.set(controllerId, { endpoint, readAt: Date.now() });
    else this.endpoints.delete(controllerId);
    return endpoint;
  }
}

function readAnswer(body: unknown): HolderAnswer {
  const { outcome, due_at: dueAt } = (body ?? {}) as { outcome?: unknown; due_at?: unknown };
  if (outcome === 'started' || outcome === 'not_held') return { outcome };
  if (outcome === 'given_back' && typeof dueAt === 'string' && !Number.isNaN(Date.parse(dueAt))) {
    return { outcome, dueAt: new Date(dueAt) };
  }
  return { outcome: 'unreachable', reason: 'unreadable answer' };
}
