/**
 * The peers' webhook: the request our controller sends — `POST {url}/{id}` with
 * `{"id", "fire_at"}`, Content-Type and Idempotency-Key — through the same client
 * (undici) with the same pool size (MAX_IN_FLIGHT's default, 256 connections). A
 * non-2xx answer throws, so the library retries it.
 */
import { Agent, request } from 'undici';

const TIMEOUT_MS = 10_000;
const agent = new Agent({
  connections: 256,
  keepAliveTimeout: 10_000,
  headersTimeout: TIMEOUT_MS,
  bodyTimeout: TIMEOUT_MS,
});

export async function sendWebhook(url: string, id: string, fireAt: string): Promise<void> {
  const target = new URL(url);
  target.pathname = `${target.pathname.replace(/\/$/, '')}/${encodeURIComponent(id)}`;
  const res = await request(target, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', 'idempotency-key': id, 'user-agent': 'timer-bench-peer' },
    body: JSON.stringify({ id, fire_at: fireAt }),
  });
  await res.body.dump();
  if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`the webhook answered ${res.statusCode}`);
}

export async function closeWebhooks(): Promise<void> {
  await agent.close();
}
