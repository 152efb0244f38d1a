/**
 * What a claim asks about each due timer before taking it: is its flow limited
 * (park it, for the flow's claim), must its origin be left alone for now (defer
 * it), or may it carry the one probe of a half-open breaker. The controller builds
 * this from the flows and origins it last read; with neither configured nor
 * unhealthy, it passes none and the claim asks nothing.
 */
import type { Knex } from 'knex';
import { originOf } from './flowKey';
import { deferTimers } from './sql/deferTimers';
import { OriginBlock, takeProbe } from './sql/origins';

export interface ClaimGate {
  /**
   * The configured flow a timer belongs to, by its tenant and flow key, else the
   * default of its URL's origin (FLOW_DEFAULTS); undefined: no limits.
   */
  flowOf(tenant: string, flowKey: string, url: string): number | undefined;
  /** The origin's block, if its timers must wait or may only probe. */
  blockOf(origin: string): OriginBlock | undefined;
  /** How long a probe keeps the other timers of its origin waiting. */
  probeMs: number;
}

/**
 * Splits locked rows into those that may go and those held back by their origin,
 * defers the held-back ones (in `column`), and returns the ones that may go.
 */
export async function holdBackBlocked<R extends { id: string; url: string }>(
  trx: Knex.Transaction,
  timeoutMs: number,
  gate: ClaimGate,
  column: 'due_at' | 'flow_due_at',
  rows: readonly R[],
): Promise<{ free: R[]; deferred: number }> {
  const free: R[] = [];
  const until = new Map<number, { date: Date; ids: string[] }>();
  const waitProbe: string[] = [];
  const probed = new Set<string>();
  for (const row of rows) {
    const origin = originOf(row.url) ?? row.url;
    const block = gate.blockOf(origin);
    if (!block) {
      free.push(row);
    } else if (block.probe && !probed.has(origin)) {
      probed.add(origin);
      if (await takeProbe(trx, timeoutMs, origin, gate.probeMs)) free.push(row);
      else waitProbe.push(row.id);
    } else if (block.until === null || block.probe) {
      waitProbe.push(row.id);
    } else {
      const at = until.get(block.until.getTime()) ?? { date: block.until, ids: [] };
      at.ids.push(row.id);
      until.set(block.until.getTime(), at);
    }
  }
  let deferred = await deferTimers(trx, timeoutMs, column, waitProbe, { forMs: gate.probeMs });
  for (const { date, ids } of until.values())
    deferred += await deferTimers(trx, timeoutMs, column, ids, { until: date });
  return { free, deferred };
}
