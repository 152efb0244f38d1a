/**
 * Sending one webhook: `POST {url}/{id}` with `{"id", "fire_at"}` and an
 * Idempotency-Key that is the timer id on every attempt. Redirects are not
 * followed. The answer decides what happens next:
 *   2xx                       → delivered
 *   408, 429, 5xx, no answer  → DeliveryError (retry with back-off)
 *   anything else             → PermanentDeliveryError (fail now, never retry)
 */
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosInstance, AxiosResponse } from 'axios';
import type { ClaimedTimer } from '@timer/shared';

export class DeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** The receiver answered in a way that retrying cannot fix. */
export class PermanentDeliveryError extends DeliveryError {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** `https://h/a?x=1` + id → `https://h/a/{id}?x=1`: a new path segment, no double slash. */
export function buildWebhookUrl(base: string, id: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(id)}`;
  url.hash = '';
  return url.toString();
}

export function webhookBody(timer: Pick<ClaimedTimer, 'id' | 'fireAt'>): { id: string; fire_at: string } {
  return { id: timer.id, fire_at: timer.fireAt.toISOString() };
}

const RETRYABLE_STATUSES = new Set([408, 429]);

export function classifyStatus(status: number): 'delivered' | 'retry' | 'permanent' {
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 500 || RETRYABLE_STATUSES.has(status)) return 'retry';
  return 'permanent';
}

export interface WebhookSenderOptions {
  timeoutMs: number;
  maxSockets: number;
  userAgent: string;
}

export class WebhookSender {
  private readonly client: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(private readonly options: WebhookSenderOptions) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
    this.agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
    this.client = axios.create({
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      maxRedirects: 0,
      validateStatus: () => true,
      // The answer's body is not needed: it is drained, never buffered.
      responseType: 'stream',
      proxy: false,
      headers: { 'User-Agent': options.userAgent },
    });
  }

  /** Resolves with the 2xx status, or throws a DeliveryError saying why not. */
  async send(timer: ClaimedTimer, signal: AbortSignal): Promise<number> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: AxiosResponse<NodeJS.ReadableStream>;
    try {
      response = await this.client.post(buildWebhookUrl(timer.url, timer.id), webhookBody(timer), {
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': timer.id },
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (err) {
      if (timeout.aborted) throw new DeliveryError(`timeout after ${this.options.timeoutMs} ms`);
      throw new DeliveryError(describeNetworkError(err));
    }
    response.data.resume();
    const status = response.status;
    switch (classifyStatus(status)) {
      case 'delivered':
        return status;
      case 'retry':
        throw new DeliveryError(`HTTP ${status}`);
      case 'permanent':
        throw new PermanentDeliveryError(
          status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`,
        );
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: string }).code;
  const message = err.message.slice(0, 300);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
