/**
 * The Idempotency-Key request header of POST /timers: which values are keys, and
 * what "the same request" means. Two requests are the same when their bodies are
 * the same JSON value: key order and whitespace do not matter, every value does
 * (`"seconds": 5` and `"seconds": 5.0` are the same number; two spellings of one
 * instant in fire_at are not the same string).
 */
import { DataKeys } from '@timer/shared';
import { AppError } from '../errors';

/** 1–255 printable ASCII characters (no control characters, no spaces at either end). */
const KEY = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** The key sent, or null without the header; a malformed one is a 400. */
export function idempotencyKeyOf(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (KEY.test(raw)) return raw;
  const message = `${IDEMPOTENCY_HEADER} must be 1 to 255 printable ASCII characters`;
  throw new AppError('validation_failed', `Invalid request header: ${message}`, [
    { path: IDEMPOTENCY_HEADER, message },
  ]);
}

/**
 * The hashes that name this body (canonical JSON: object keys sorted, no
 * whitespace): the first is the one to store, an HMAC under the first data key;
 * the others match a key stored under an older data key, or as the plain SHA-256
 * written before DATA_KEYS was set (a key lives 24 hours).
 */
export function requestHashes(body: unknown, dataKeys: DataKeys): string[] {
  const text = canonicalJson(body);
  const keyed = dataKeys.digests(text, 'idempotency request');
  return dataKeys.enabled ? [...keyed, ...DataKeys.none().digests(text, 'idempotency request')] : keyed;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
