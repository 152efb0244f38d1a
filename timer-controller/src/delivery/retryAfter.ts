/**
 * A receiver's Retry-After header (RFC 9110 §10.2.3): delay-seconds ("120") or an
 * HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT"). Pure: the time is a parameter.
 */

/** Milliseconds to wait from `nowMs`, 0 for a date already past, or null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  if (/^\d+$/.test(raw)) return Math.min(Number(raw), Number.MAX_SAFE_INTEGER / 1000) * 1000;
  // An HTTP-date names a day of the week; a bare number or ISO text is not one.
  if (!/^[A-Za-z]{3},? /.test(raw)) return null;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
