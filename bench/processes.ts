/** Child processes for the benchmarks: the ceiling servers. */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../test/helpers/ports';
import type { Delivery } from '../test/helpers/receiver';
import { waitFor } from '../test/helpers/wait';
import { firstArrivals } from './common';

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startCeilingServer(kind: 'bare' | 'express'): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'server.js'), kind, String(port)], {
    stdio: 'inherit',
  });
  await waitForPort(port);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Every steady load starts with this much of the same load, delivered before the
 * measured part begins: the figures are the system's steady state, not its first
 * seconds (JIT compilation, connection pools filling), for every system alike.
 */
export const WARMUP_S = 2;

/**
 * The warm-up: `WARMUP_S` seconds of the load, then waits until the receiver has
 * every timer it created. Returns their ids and lateness, counted apart.
 */
export async function warmUp(
  url: string,
  rate: number,
  body: string,
  receiver: { readonly distinct: number; readonly deliveries: Delivery[] },
): Promise<{ ids: string[]; lateness: number[] }> {
  const created = await runCreator(url, rate, WARMUP_S, body);
  const ids = Object.keys(created.fireAt);
  await waitFor('the warm-up delivered', () => receiver.distinct >= ids.length, {
    timeoutMs: 30_000,
    intervalMs: 50,
  }).catch(() => undefined); // what is missing is counted with the rest
  const first = firstArrivals(receiver.deliveries);
  const lateness = ids.filter((id) => first.has(id)).map((id) => first.get(id)! - created.fireAt[id]);
  return { ids, lateness };
}

/** Creates timers at a steady rate from a child process (creator.ts); returns what it created. */
export async function runCreator(
  url: string,
  rate: number,
  seconds: number,
  body: string,
): Promise<{
  fireAt: Record<string, number>;
  errors: Record<string, number>;
  seconds: number;
  cpuMs: number;
  latencyMs: { p50: number; p99: number; max: number };
}> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(__dirname, 'creator.js'), url, String(rate), String(seconds), body],
    { maxBuffer: 64 << 20 },
  );
  return JSON.parse(stdout);
}
