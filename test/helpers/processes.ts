/**
 * Real service processes, started from the built code exactly as
 * `npm run start:api` / `npm run start:controller` start them. Their JSON log
 * lines are collected so tests can wait on events ("Controller started") instead
 * of sleeping.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait';

/** The repository root, whether this file runs from test/helpers or compiled under bench/dist. */
function findRoot(dir: string): string {
  if (existsSync(path.join(dir, 'timer-api', 'package.json'))) return dir;
  const parent = path.dirname(dir);
  if (parent === dir) throw new Error('repository root not found');
  return findRoot(parent);
}

const ROOT = findRoot(__dirname);
export const ENTRY_POINTS = {
  api: path.join(ROOT, 'timer-api', 'dist', 'main.js'),
  controller: path.join(ROOT, 'timer-controller', 'dist', 'main.js'),
  standalone: path.join(ROOT, 'bin', 'standalone.js'),
} as const;

/** The INTERNAL_TOKEN every process started here shares, unless a test gives its own. */
export const TEST_INTERNAL_TOKEN = 'test-internal-token-0123456789';

export interface LogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

export interface ServiceProcess {
  child: ChildProcess;
  logs: LogLine[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(message: string, predicate?: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  kill(signal?: NodeJS.Signals): void;
}

export function spawnService(
  kind: keyof typeof ENTRY_POINTS,
  env: Record<string, string>,
  options: { cwd?: string } = {},
): ServiceProcess {
  return spawnNode(ENTRY_POINTS[kind], [], env, options);
}

/** SERVICE_CPU_PROF_DIR: every service started here writes a V8 CPU profile there (`node --cpu-prof`). */
function nodeArgs(): string[] {
  const dir = process.env.SERVICE_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Any Node script that logs JSON lines to stdout, started and followed like a service. */
export function spawnNode(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string } = {},
): ServiceProcess {
  const child = spawn(process.execPath, [...nodeArgs(), script, ...args], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      CONTROLLER_PORT: '0',
      LOG_LEVEL: 'info',
      // Separate api and controller processes must share one (the embedded mode ignores it).
      INTERNAL_TOKEN: TEST_INTERNAL_TOKEN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ level: 'raw', message: line });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    logs,
    stderr,
    exited,
    waitForLog: (message, predicate = () => true, timeoutMs = 20_000) =>
      waitFor(`log "${message}"`, () => logs.find((l) => l.message === message && predicate(l)), { timeoutMs }),
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Kills whatever is still running; for afterAll/afterEach. */
export async function killAll(processes: ServiceProcess[]): Promise<void> {
  // A CPU profile is written at exit: let the services shut down.
  for (const p of processes) p.kill(process.env.SERVICE_CPU_PROF_DIR ? 'SIGTERM' : 'SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
}
