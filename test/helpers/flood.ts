/**
 * A nudge flood and what it costs: POSTs to a URL as fast as a separate process
 * can send them, the claims a controller ran (its /metrics), and the latency of
 * creates made one at a time meanwhile. Shared by test/nudgeFlood.test.ts and
 * `npm run bench -- nudge`.
 */
import { spawn } from 'node:child_process';

/**
 * POSTs `url` from a separate process over `connections` keep-alive connections
 * for `ms`, with `headers` (a controller's /nudge needs the internal token);
 * resolves with how many were answered 2xx.
 */
export function floodPosts(
  url: string,
  ms: number,
  headers: Record<string, string> = {},
  connections = 16,
): Promise<number> {
  const script = `
    const http = require('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: ${connections} });
    const until = Date.now() + ${ms};
    let sent = 0;
    const one = () => new Promise((resolve) => {
      const req = http.request(${JSON.stringify(url)}, { method: 'POST', agent, headers: ${JSON.stringify(headers)} }, (res) => {
        if (res.statusCode >= 200 && res.statusCode < 300) sent++;
        res.resume(); res.on('end', resolve);
      });
      req.on('error', resolve);
      req.end();
    });
    const loop = async () => { while (Date.now() < until) await one(); };
    Promise.all(Array.from({ length: ${connections} }, loop)).then(() => { console.log(sent); agent.destroy(); });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(Number(out.trim())));
  });
}

/** How many claims a controller has run, from its /metrics. */
export async function claimsSoFar(controllerUrl: string): Promise<number> {
  const text = await (await fetch(`${controllerUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('timers_claim_duration_seconds_count'));
  return Number(line?.split(' ').pop());
}

/** Creates timers one at a time (20 ms apart) for `ms`; their latencies in ms, sorted. Throws on anything but 201. */
export async function createLatencies(apiUrl: string, ms: number): Promise<number[]> {
  const latencies: number[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const started = performance.now();
    const res = await fetch(`${apiUrl}/timers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 3600, url: 'http://127.0.0.1:9/hooks' }),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`create answered ${res.status}`);
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20));
  }
  return latencies.sort((a, b) => a - b);
}
