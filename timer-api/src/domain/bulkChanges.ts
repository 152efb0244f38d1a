/**
 * The bulk actions, POST /timers/retry and POST /timers/cancel: a selection of up
 * to 100 ids, or the timers carrying a label, each replayed or canceled through
 * the single-timer path (TimerChanges), so each one is under the contract of
 * POST /timers/{id}/retry or DELETE /timers/{id}: tenant-scoped, fenced by the
 * version and status read, a held timer asked back from its controller. One
 * timer's refusal is its own result, not the call's: the call answers 200 with a
 * result per timer, and fails as a whole only when the database does.
 */
import type { Store, TenantView } from '@timer/shared';
import type { BulkChangeAnswer, BulkChangeRequest, BulkChangeResult, BulkOutcome } from '../bulkSchemas';
import { MAX_BULK_IDS } from '../bulkSchemas';
import { AppError, ErrorCode } from '../errors';
import type { TimerChanges } from './changes';
import { labelTerms } from './timerBatch';

/** Timers of one call changed at once: each may wait on its controller's answer. */
const AT_ONCE = 8;

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

export class BulkChanges {
  constructor(
    private readonly changes: TimerChanges,
    private readonly store: Store,
  ) {}

  /** Failed timers back to pending, due now: by ids, or the failed ones carrying the label. */
  async replay(request: BulkChangeRequest, sees: TenantView): Promise<BulkChangeAnswer> {
    const act: Act = (id) => this.changes.replay(id, null, sees);
    if (request.ids) return { results: await this.each(distinct(request.ids), act, 'replayed'), more: false };
    // Newest first, as GET /timers?status=failed&label=… lists them; a replayed one leaves that list.
    const found = await this.store.timers.list({
      status: 'failed',
      labels: labelTerms(request.label),
      limit: MAX_BULK_IDS + 1,
      tenant: sees,
    });
    const ids = found.slice(0, MAX_BULK_IDS).map((t) => t.id);
    return { results: await this.each(ids, act, 'replayed'), more: found.length > MAX_BULK_IDS };
  }

  /** Pending timers canceled: by ids, or by label through the path of DELETE /timers?label=…. */
  async cancel(request: BulkChangeRequest, sees: TenantView): Promise<BulkChangeAnswer> {
    if (request.ids) {
      const act: Act = (id) => this.changes.cancel(id, null, sees);
      return { results: await this.each(distinct(request.ids), act, 'canceled'), more: false };
    }
    const done = await this.changes.cancelLabelled(labelTerms(request.label), MAX_BULK_IDS, sees);
    const results: BulkChangeResult[] = [
      ...done.canceled.map((id) => ({ id, outcome: 'canceled' as const, status: 'canceled' })),
      ...done.held.map(({ id, outcome }) => ({
        id,
        outcome: outcome === 'canceled' ? outcome : outcomeOf(outcome),
        ...(outcome === 'canceled' ? { status: 'canceled' } : {}),
      })),
    ];
    return { results, more: done.remaining > 0 };
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
            if (err instanceof AppError && REFUSALS[err.code]) return { id, outcome: REFUSALS[err.code]! };
            throw err;
          }
        }),
      );
      results.push(...part);
    }
    return results;
  }
}

function outcomeOf(code: ErrorCode): BulkOutcome {
  const outcome = REFUSALS[code];
  if (!outcome) throw new AppError(code);
  return outcome;
}

function distinct(ids: string[]): string[] {
  return [...new Set(ids)];
}
