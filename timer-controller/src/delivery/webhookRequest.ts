/**
 * The request a webhook is: where it goes (the id appended to the URL's path as a
 * new segment, the query kept), its body, and the Timer-* headers. The URL is read
 * by the same function the api accepted it with (@timer/shared readWebhookUrl).
 */
import { pathWithId, readWebhookUrl } from '@timer/shared';
import type { ClaimedTimer } from '@timer/shared';

/** `https://h/a?x=1` + id → `https://h/a/{id}?x=1`: a new path segment, no double slash. Throws on a URL the api refuses. */
export function buildWebhookUrl(base: string, id: string): string {
  const reading = readWebhookUrl(base);
  if (!reading.ok) throw new Error(reading.problem);
  return `${reading.target.origin}${pathWithId(reading.target, id)}`;
}

export function webhookBody(timer: Pick<ClaimedTimer, 'id' | 'fireAt'>): { id: string; fire_at: string } {
  return { id: timer.id, fire_at: timer.fireAt.toISOString() };
}

/**
 * The Idempotency-Key (and Standard Webhooks webhook-id): the id, the same on
 * every attempt, while the timer is as it was created; `{id}.v{version}` once a
 * PATCH or a replay made it a new version, so a receiver that deduplicates on it
 * does not drop the new version as a repeat of the old one.
 */
export function deliveryKey(timer: Pick<ClaimedTimer, 'id' | 'version'>): string {
  return timer.version <= 1 ? timer.id : `${timer.id}.v${timer.version}`;
}

/**
 * Timer-Id, Timer-Fire-At (the scheduled time), Timer-Attempt (1, 2, …),
 * Timer-Lease (the claim's token), Timer-Version (what PATCH, cancel and replay
 * raise).
 */
export function timerHeaders(
  timer: Pick<ClaimedTimer, 'id' | 'fireAt' | 'attemptNumber' | 'leaseToken' | 'version'>,
): string[] {
  return [
    'timer-id',
    timer.id,
    'timer-fire-at',
    timer.fireAt.toISOString(),
    'timer-attempt',
    String(timer.attemptNumber),
    'timer-lease',
    String(timer.leaseToken),
    'timer-version',
    String(timer.version),
  ];
}
