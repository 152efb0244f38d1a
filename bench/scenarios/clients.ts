/**
 * clients: how fast one Node process can send webhook-shaped POSTs with each HTTP
 * client the controller could use, to a bare receiver in another process, at the
 * same concurrency. Decides the controller's client (README, "Performance").
 */
import http from 'node:http';
import axios from 'axios';
import { Agent, request } from 'undici';
import { startCeilingServer } from '../processes';
import { BenchOptions, round } from '../common';

type Send = (url: string, body: string) => Promise<void>;

async function measure(send: Send, url: string, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        await send(url, '{"id":"x","fire_at":"2026-01-01T00:00:00.000Z"}');
      }
    }),
  );
  return total / (Number(process.hrtime.bigint() - started) / 1e9);
}

export async function clients({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  const total = quick ? 3000 : 30_000;
  const concurrency = 128;
  const receiver = await startCeilingServer('bare');
  const url = `${receiver.url}/hooks/0199`;
  const headers = { 'content-type': 'application/json', 'idempotency-key': 'x' };
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const axiosHttp = axios.create({ httpAgent: agent, maxRedirects: 0, validateStatus: () => true });
    const axiosFetch = axios.create({ adapter: 'fetch', maxRedirects: 0, validateStatus: () => true });
    const dispatcher = new Agent({ connections: concurrency });
    const senders: Record<string, Send> = {
      axios_http_keepalive: async (u, body) => {
        await axiosHttp.post(u, body, { headers });
      },
      axios_fetch_adapter: async (u, body) => {
        await axiosFetch.post(u, body, { headers });
      },
      undici_request: async (u, body) => {
        const res = await request(u, { dispatcher, method: 'POST', headers, body });
        await res.body.dump();
      },
    };
    const rates: Record<string, number> = {};
    for (const [name, send] of Object.entries(senders)) {
      await measure(send, url, Math.min(1000, total), concurrency); // warm the connections
      rates[name] = round(await measure(send, url, total, concurrency), 0);
    }
    agent.destroy();
    await dispatcher.close();
    return {
      scenario: 'clients',
      requests: total,
      concurrency,
      posts_per_second: rates,
      undici_over_axios: round(rates.undici_request / rates.axios_http_keepalive, 2),
    };
  } finally {
    await receiver.stop();
  }
}
