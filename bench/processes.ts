/** Child processes for the benchmarks: the ceiling servers. */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../test/helpers/ports';

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
