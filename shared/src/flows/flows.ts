/**
 * Flows: limits per destination, shared by the fleet. The api sets and reads them;
 * a controller lists them (to recognise their timers in its ordinary claim, which
 * parks them), claims each limited flow within its capacity, and frees a request's
 * slot once its outcome is recorded. Each query is its own file under sql/.
 */
import { AtRest } from '../crypto/atRest';
import type { Knex } from 'knex';
import type { ClaimedTimer } from '../timers/types';
import { claimFlowTimers, FlowClaimRequest } from './sql/claimFlowTimers';
import { endFlowLeases } from './sql/endFlowLeases';
import { deleteFlow } from './sql/deleteFlow';
import { findFlow, findFlows, FlowOrder, listFlows } from './sql/findFlows';
import { backOffOrigin, failOrigin, healOrigin, listOrigins, OriginBlock } from './sql/origins';
import { setFlowPaused } from './sql/setFlowPaused';
import { DefaultsSync, syncOriginDefaults } from './sql/syncOriginDefaults';
import type { OriginDefault } from './flowDefaults';
import { upsertFlow } from './sql/upsertFlow';
import type { FlowClaim, FlowEntry, FlowLimits, FlowRecord } from './types';

export type { FlowClaimRequest, DefaultsSync };

export class Flows {
  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
    /** Opens the URLs of the timers a flow's claim takes. */
    private readonly atRest: AtRest = AtRest.none(),
  ) {}

  async put(tenant: string, key: string, limits: FlowLimits): Promise<FlowRecord> {
    await upsertFlow(this.db, this.timeoutMs, tenant, key, limits);
    return (await this.find(tenant, key))!;
  }

  /** Null when a resume found no such flow. */
  async setPaused(tenant: string, key: string, paused: boolean): Promise<FlowRecord | null> {
    const exists = await setFlowPaused(this.db, this.timeoutMs, tenant, key, paused);
    return exists ? this.find(tenant, key) : null;
  }

  /** A tenant's flow; tenant null: the flow with that key of any tenant (the first one set). */
  find(tenant: string | null, key: string): Promise<FlowRecord | null> {
    return findFlow(this.db, this.timeoutMs, tenant, key);
  }

  /** A tenant's flows (null: every tenant's, the origin defaults included), by key or by tenant, at most `limit`. */
  findAll(tenant: string | null, limit: number, order: FlowOrder = 'key'): Promise<FlowRecord[]> {
    return findFlows(this.db, this.timeoutMs, tenant, limit, order);
  }

  /** Removes a tenant's flow and lets its timers go; false when it had none. */
  delete(tenant: string, key: string): Promise<boolean> {
    return deleteFlow(this.db, this.timeoutMs, tenant, key);
  }

  /** Makes the origin defaults stored what FLOW_DEFAULTS says (at a controller's start). */
  syncDefaults(defaults: readonly OriginDefault[]): Promise<DefaultsSync> {
    return syncOriginDefaults(this.db, this.timeoutMs, defaults);
  }

  list(): Promise<FlowEntry[]> {
    return listFlows(this.db, this.timeoutMs);
  }

  claim(request: FlowClaimRequest): Promise<FlowClaim<ClaimedTimer>> {
    return claimFlowTimers(this.db, this.timeoutMs, this.atRest, request);
  }

  endLeases(ids: readonly string[]): Promise<number> {
    return endFlowLeases(this.db, this.timeoutMs, ids);
  }

  /** Origins whose timers wait now (Retry-After, open breaker) or may send a probe. */
  blockedOrigins(): Promise<OriginBlock[]> {
    return listOrigins(this.db, this.timeoutMs);
  }

  /** One origin's block, if its timers wait now (or may only probe). */
  async originBlock(origin: string): Promise<OriginBlock | null> {
    const [block] = await listOrigins(this.db, this.timeoutMs, origin);
    return block ?? null;
  }

  /** A 429/503 with Retry-After: the origin's timers wait `waitMs`. */
  backOff(origin: string, waitMs: number): Promise<void> {
    return backOffOrigin(this.db, this.timeoutMs, origin, waitMs);
  }

  /** `count` connection failures or 5xx answers in a row (default 1); true when they opened the breaker. */
  failed(origin: string, breaker: { threshold: number; openMs: number }, count = 1): Promise<boolean> {
    return failOrigin(this.db, this.timeoutMs, origin, breaker, count);
  }

  /** An answer that is not a 5xx, from an origin known to be unhealthy: its count of failures back to 0; true when that closed an open breaker. */
  healed(origin: string): Promise<boolean> {
    return healOrigin(this.db, this.timeoutMs, origin);
  }
}
