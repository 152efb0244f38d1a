/**
 * The request a webhook is: where it goes (the id appended to the URL's path as a
 * new segment, the query kept), its body, and the Timer-* headers.
 */
import type { ClaimedTimer } from '@timer/shared';

/** A receiver URL taken apart once: where to connect, and what goes around the id. */
export interface Target {
  origin: string;
  /** The path without trailing slashes: the id goes after it as a new segment. */
  path: string;
  search: string;
  /** Basic credentials given in the URL (`https://user:pass@host/…`), as a header value. */
  authorization: string | null;
}

export function parseTarget(url: string): Target {
  const parsed = new URL(url);
  const credentials = parsed.username || parsed.password;
  return {
    origin: parsed.origin,
    path: parsed.pathname.replace(/\/+$/, ''),
    search: parsed.search,
    authorization: credentials
      ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`
      : null,
  };
}

/** The path and query the request asks for: the id as a new path segment, the query kept. */
export function webhookPath(target: Target, id: string): string {
  return `${target.path}/${encodeURIComponent(id)}${target.search}`;
}

/** `https://h/a?x=1` + id → `https://h/a/{id}?x=1`: a new path segment, no double slash. */
export function buildWebhookUrl(base: string, id: string): string {
  const target = parseTarget(base);
  return `${target.origin}${webhookPath(target, id)}`;
}

export function webhookBody(timer: Pick<ClaimedTimer, 'id' | 'fireAt'>): { id: string; fire_at: string } {
  return { id: timer.id, fire_at: timer.fireAt.toISOString() };
}

/** Timer-Id, Timer-Fire-At (the scheduled time), Timer-Attempt (1, 2, …), Timer-Lease (the claim's token). */
export function timerHeaders(timer: Pick<ClaimedTimer, 'id' | 'fireAt' | 'attemptNumber' | 'leaseToken'>): string[] {
  return [
    'timer-id',
    timer.id,
    'timer-fire-at',
    timer.fireAt.toISOString(),
    'timer-attempt',
    String(timer.attemptNumber),
    'timer-lease',
    String(timer.leaseToken),
  ];
}
