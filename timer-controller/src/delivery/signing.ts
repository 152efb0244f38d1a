/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): every request
 * carries `webhook-id` (the timer id, the same on every attempt), `webhook-timestamp`
 * (Unix seconds when sent) and `webhook-signature`: `v1,` + base64 HMAC-SHA256 of
 * `{id}.{timestamp}.{body}` under each configured key, separated by spaces, so a
 * receiver verifies with either the old or the new key while they rotate.
 */
import { createHmac } from 'node:crypto';

export function signatureHeaders(keys: readonly Buffer[], id: string, body: string, nowMs: number): string[] {
  const timestamp = String(Math.floor(nowMs / 1000));
  const content = `${id}.${timestamp}.${body}`;
  const signatures = keys.map((key) => `v1,${createHmac('sha256', key).update(content).digest('base64')}`);
  return ['webhook-id', id, 'webhook-timestamp', timestamp, 'webhook-signature', signatures.join(' ')];
}
