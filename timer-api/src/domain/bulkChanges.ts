/**
 * Changing many timers in one call: POST /timers/retry and POST /timers/cancel (a
 * selection of up to 100 ids, or the timers carrying a label) and
 * DELETE /timers?label=…. Each timer is replayed or canceled under the contract
 * of POST /timers/{id}/retry or DELETE /timers/{id}, through the single-timer
 * path (TimerChanges) or, for the pending matches of a label, one UPDATE fenced
 * the same way (cancelByLabels.ts): tenant-scoped, fenced by the status read, a
 * held timer asked back from its controller. One timer's refusal is its own
 * result, not the call's: the call fails as a whole only when the database does.
 */
import type { Logger, Metrics, Store, TenantView } from '@timer/shared';
import type { BulkChangeAnswer, BulkChangeRequest, BulkChangeResult, BulkOutcome } from '../bulkSchemas';
import { MAX_BULK_IDS } from '../bulkSchemas';
import { AppError, ErrorCode } from '../errors';
import type { CancelByLabelQuery, CanceledByLabel } from '../schemas';
import type { TimerChanges } from './changes';
import { OPEN_CLIENT } from './client';
import type { PendingQuota } from './pendingQuota';
import { labelTerms } from './timerBatch';

export interface BulkChangesOptions {
  store: Store;
  changes: TimerChanges;
  logger: Logger;
  metrics: Metrics;
  quota?: PendingQuota;
  /** MAX_CANCEL_PER_CALL: most timers one DELETE /timers?label=… cancels. */
  maxCancelPerCall: number;
}

/** Timers of one call changed at once: each may wait on its controller's answer. */
const AT_ONCE = 8;

/** A label's pending and held matches are counted up to this, not whole. */
const LABEL_COUNT_CAP = 100_000;

/** The result a refusal of the single-timer path stands for. */
const REFUSALS: Partial<Record<ErrorCode, BulkOutcome>> = {
  timer_not_found: 'not_found',
  timer_not_retryable: 'not_retryable',
  timer_not_cancelable: 'not_cancelable',
  timer_started: 'started',
  holder_unreachable: 'holder_unreachable',
  contended: 'contended',
};

type Act = (id: string) => Promise<{ status: string; version: number }>;

/** What one cancel by label did: the pending timers canceled, a result per held one, and what is left. */
interface LabelledCancels {
  canceled: string[];
  held: BulkChangeResult[];
  /** Matches a controller holds, counted up to LABEL_COUNT_CAP. */
  notCancelable: number;
  /** Matches still pending after this call, counted up to LABEL_COUNT_CAP. */
  remaining: number;
}

export class BulkChanges {
  constructor(private readonly options: BulkChangesOptions) {}

  /** Failed timers back to pending, due now: by ids, or the failed ones carrying the label. */
  async replay(request: BulkChangeRequest, sees: TenantView): Promise<BulkChangeAnswer> {
    const act: Act = (id) => this.options.changes.replay(id, null, sees);
    if (request.ids) return { results: await this.each(distinct(request.ids), act, 'replayed'), more: false };
    // Newest first, as GET /timers?status=failed&label=… lists them; a replayed one leaves that list.
    const found = await this.options.store.timers.list({
      status: 'failed',
      labels: labelTerms(request.label),
      limit: MAX_BULK_IDS + 1,
      tenant: sees,
    });
    const ids = found.slice(0, MAX_BULK_IDS).map((t) => t.id);
    return { results: await this.each(ids, act, 'replayed'), more: found.length > MAX_BULK_IDS };
  }

  /** Pending timers canceled: by ids, or by label as DELETE /timers?label=… does. */
  async cancel(request: BulkChangeRequest, sees: TenantView): Promise<BulkChangeAnswer> {
    if (request.ids) {
      const act: Act = (id) => this.options.changes.cancel(id, null, sees);
      return { results: await this.each(distinct(request.ids), act, 'canceled'), more: false };
    }
    const done = await this.cancelLabelled(labelTerms(request.label), MAX_BULK_IDS, sees);
    const canceled = done.canceled.map((id): BulkChangeResult => ({ id, outcome: 'canceled', status: 'canceled' }));
    return { results: [...canceled, ...done.held], more: done.remaining > 0 };
  }

  /** DELETE /timers?label=…: up to MAX_CANCEL_PER_CALL (or `limit`) canceled, and counted. */
  async cancelByLabels(query: CancelByLabelQuery, sees: TenantView = OPEN_CLIENT.sees): Promise<CanceledByLabel> {
    const { maxCancelPerCall } = this.options;
    const limit = Math.min(query.limit ?? maxCancelPerCall, maxCancelPerCall);
    const done = await this.cancelLabelled(labelTerms(query.label), limit, sees);
    const givenBack = done.held.filter((h) => h.outcome === 'canceled').length;
    return {
      canceled: done.canceled.length + givenBack,
      not_cancelable: Math.max(0, done.notCancelable - givenBack),
      remaining: done.remaining,
    };
  }

  /**
   * Cancels up to `limit` timers carrying every label. The pending ones go in one
   * fenced UPDATE; each one a controller holds is then canceled as a single DELETE
   * would be (its holder asked to give it back, a few at a time): given back, it
   * is canceled; started, or its holder unreachable, it is not, and its result
   * says why. So every timer answered canceled will never be sent.
   */
  private async cancelLabelled(labels: string[], limit: number, sees: TenantView): Promise<LabelledCancels> {
    const { store, quota, metrics, logger, changes } = this.options;
    const result = await store.timers.cancelByLabels({ labels, limit, countCap: LABEL_COUNT_CAP, tenant: sees });
    for (const id of result.canceled) quota?.forget(id);
    metrics.timersCanceled.inc(result.canceled.length);
    const heldIds = result.held.slice(0, Math.max(0, limit - result.canceled.length));
    const held = await this.each(heldIds, (id) => changes.cancel(id, null, sees), 'canceled');
    const givenBack = held.filter((h) => h.outcome === 'canceled').length;
    const canceled = result.canceled.length + givenBack;
    if (canceled > 0) logger.info('Timers canceled by label', { labels, canceled, givenBack });
    return { canceled: result.canceled, held, notCancelable: result.notCancelable, remaining: result.remaining };
  }

  /** Each id through the single-timer path, a few at a time, in the order given. */
  private async each(ids: string[], act: Act, done: BulkOutcome): Promise<BulkChangeResult[]> {
    const results: BulkChangeResult[] = [];
    for (let from = 0; from < ids.length; from += AT_ONCE) {
      const part = await Promise.all(
        ids.slice(from, from + AT_ONCE).map(async (id): Promise<BulkChangeResult> => {
          try {
            const timer = await act(id);
            return { id, outcome: done, status: timer.status, version: timer.version };
          } catch (err) {
            const outcome = err instanceof AppError ? REFUSALS[err.code] : undefined;
            if (outcome) return { id, outcome };
            throw err;
          }
        }),
      );
      results.push(...part);
    }
    return results;
  }
}

function distinct(ids: string[]): string[] {
  return [...new Set(ids)];
}
