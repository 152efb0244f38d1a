/**
 * Flows: limits per destination, shared by the fleet. The api sets and reads them;
 * a controller lists them (to recognise their timers in its ordinary claim, which
 * parks them), claims each limited flow within its capacity, and frees a request's
 * slot once its outcome is recorded. Each query is its own file under sql/.
 */
import type { Knex } from 'knex';
import type { ClaimedTimer } from '../timers/types';
import { claimFlowTimers, FlowClaimRequest } from './sql/claimFlowTimers';
import { endFlowLeases } from './sql/endFlowLeases';
import { findFlow, listFlows } from './sql/findFlows';
import { setFlowPaused } from './sql/setFlowPaused';
import { upsertFlow } from './sql/upsertFlow';
import type { FlowClaim, FlowEntry, FlowLimits, FlowRecord } from './types';

export type { FlowClaimRequest };

export class Flows {
  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
  ) {}

  async put(owner: string, key: string, limits: FlowLimits): Promise<FlowRecord> {
    await upsertFlow(this.db, this.timeoutMs, owner, key, limits);
    return (await this.find(owner, key))!;
  }

  /** Null when a resume found no such flow. */
  async setPaused(owner: string, key: string, paused: boolean): Promise<FlowRecord | null> {
    const exists = await setFlowPaused(this.db, this.timeoutMs, owner, key, paused);
    return exists ? this.find(owner, key) : null;
  }

  find(owner: string, key: string): Promise<FlowRecord | null> {
    return findFlow(this.db, this.timeoutMs, owner, key);
  }

  list(): Promise<FlowEntry[]> {
    return listFlows(this.db, this.timeoutMs);
  }

  claim(request: FlowClaimRequest): Promise<FlowClaim<ClaimedTimer>> {
    return claimFlowTimers(this.db, this.timeoutMs, request);
  }

  endLeases(ids: readonly string[]): Promise<number> {
    return endFlowLeases(this.db, this.timeoutMs, ids);
  }
}
