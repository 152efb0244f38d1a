/**
 * The parallelism slots this controller holds: the timers it claimed through a
 * flow, until their outcome is recorded. Only then is the slot freed in the
 * database (endLeases), so the fleet never counts fewer requests in flight than
 * there are. A failure to free only delays the slot: the lease row expires with
 * the claim's lease.
 */
import { errorFields } from '@timer/shared';
import type { ClaimRef, Flows, Logger } from '@timer/shared';

export class FlowSlots {
  /** Timer id → the flow it was claimed through. */
  private readonly claimedThrough = new Map<string, number>();

  constructor(
    private readonly flows: Pick<Flows, 'endLeases'>,
    private readonly logger: Logger,
  ) {}

  taken(flowId: number, timers: readonly { id: string }[]): void {
    for (const { id } of timers) this.claimedThrough.set(id, flowId);
  }

  /** Frees the slots of these outcomes; resolves with the flows that have one more free. */
  async freed(claims: readonly ClaimRef[]): Promise<Set<number>> {
    const ids: string[] = [];
    const flows = new Set<number>();
    for (const { id } of claims) {
      const flowId = this.claimedThrough.get(id);
      if (flowId === undefined) continue;
      this.claimedThrough.delete(id);
      ids.push(id);
      flows.add(flowId);
    }
    if (ids.length === 0) return flows;
    try {
      await this.flows.endLeases(ids);
      return flows;
    } catch (err) {
      this.logger.warn('Could not free flow slots; they free themselves at lease expiry', {
        count: ids.length,
        ...errorFields(err),
      });
      return new Set();
    }
  }
}
