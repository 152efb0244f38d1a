/**
 * POST /timers/batch: every item read by the rules of POST /timers, each problem
 * named by the item's index, so one answer lists all that is wrong with a batch;
 * and the label filters of GET and DELETE /timers as the store's terms.
 */
import { labelTerm } from '@timer/shared';
import { AppError, ErrorDetail } from '../errors';
import type { CreateTimerRequest } from '../schemas';
import { checkWebhookUrl, planTimer, TimerPlan } from './timerRequest';
import type { WebhookLimits } from './webhookSpec';

/** Each item's plan, in order; a 400 naming every problem of every item when any has one. */
export function planBatch(
  items: readonly CreateTimerRequest[],
  nowMs: number,
  maxDelaySeconds: number,
  limits: WebhookLimits & { maxBatchSize: number },
): TimerPlan[] {
  const { maxBatchSize } = limits;
  if (items.length > maxBatchSize) {
    const message = `timers must hold at most ${maxBatchSize} items (MAX_BATCH_SIZE), got ${items.length}`;
    throw new AppError('validation_failed', `Invalid request body: ${message}`, [{ path: 'timers', message }]);
  }
  const problems: ErrorDetail[] = [];
  const oversize: string[] = [];
  // A batch often sends every item to one URL: each distinct URL is read once.
  const goodUrls = new Set<string>();
  const plans = items.map((item, i) => {
    try {
      if (!goodUrls.has(item.url)) goodUrls.add(checkWebhookUrl(item.url));
      return planTimer(item, nowMs, maxDelaySeconds, limits);
    } catch (err) {
      if (err instanceof AppError && err.code === 'payload_too_large') {
        oversize.push(`timers[${i}]: ${err.message}`);
        return null;
      }
      if (!(err instanceof AppError) || err.code !== 'validation_failed') throw err;
      for (const d of err.details ?? [])
        problems.push({ path: `timers.${i}.${d.path}`, message: `timers[${i}]: ${d.message}` });
      return null;
    }
  });
  if (problems.length > 0) {
    throw new AppError(
      'validation_failed',
      `Invalid request body: ${problems.map((p) => p.message).join('; ')}`,
      problems,
    );
  }
  // An item over MAX_PAYLOAD_BYTES makes the batch a 413, as it would the item alone.
  if (oversize.length > 0) throw new AppError('payload_too_large', oversize.join('; '));
  return plans as TimerPlan[];
}

/**
 * `label=name:value` (once or repeated) as the store's terms; a filter that is not
 * name:value with a valid name is a 400. The name ends at the first colon, so a
 * value may hold colons.
 */
export function labelTerms(raw: string | string[] | undefined): string[] {
  if (raw === undefined) return [];
  const filters = Array.isArray(raw) ? raw : [raw];
  return [
    ...new Set(
      filters.map((filter) => {
        const colon = filter.indexOf(':');
        const name = colon > 0 ? filter.slice(0, colon) : '';
        if (!/^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,63}$/.test(name)) {
          const message = `label must be name:value with a label name (letters, digits, _ . - /), got "${filter}"`;
          throw new AppError('validation_failed', `Invalid query: ${message}`, [{ path: 'label', message }]);
        }
        return labelTerm(name, filter.slice(colon + 1));
      }),
    ),
  ];
}
