/**
 * `node creator.js URL RATE SECONDS BODY`: creates timers at a steady rate from its
 * own process (so the load generator does not share an event loop with the
 * receiver whose arrival times are measured), then prints one JSON line:
 * {"fireAt": {id: ms}, "errors": {status: count}, "seconds": n, "cpuMs": n, "latencyMs": {p50, p99, max}}
 * (cpuMs: its own CPU time, reported apart from the system's by the cost measurement; latencyMs:
 * from sending a create to its 201).
 */
import { Pool } from 'undici';

async function main(): Promise<void> {
  const [url, rate, seconds, body] = process.argv.slice(2);
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 64 });
  const fireAt: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const latencies: number[] = [];
  const create = async () => {
    const sentAt = performance.now();
    try {
      const res = await pool.request({
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) {
        errors[res.statusCode] = (errors[res.statusCode] ?? 0) + 1;
        return;
      }
      latencies.push(performance.now() - sentAt);
      const timer = JSON.parse(text) as { id: string; fire_at: string };
      fireAt[timer.id] = Date.parse(timer.fire_at);
    } catch {
      errors.network = (errors.network ?? 0) + 1;
    }
  };
  const perSecond = Number(rate);
  const total = perSecond * Number(seconds);
  const started = Date.now();
  const pending: Promise<void>[] = [];
  let sent = 0;
  // 10 ms ticks, catching up when a tick was late, so the rate holds.
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * perSecond));
    for (; sent < due; sent++) pending.push(create());
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(pending);
  const elapsed = (Date.now() - started) / 1000;
  await pool.close();
  const cpu = process.cpuUsage();
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
  const latencyMs = { p50: at(50), p99: at(99), max: at(100) };
  process.stdout.write(
    `${JSON.stringify({ fireAt, errors, seconds: elapsed, cpuMs: (cpu.user + cpu.system) / 1000, latencyMs })}\n`,
  );
}

void main();
