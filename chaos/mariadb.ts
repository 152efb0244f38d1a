/**
 * The database server the campaign runs against. By default a throwaway
 * MariaDB of its own: a fresh data directory under the OS temp directory and a
 * free port, so it can be crashed and started again without going near the
 * machine's shared server. Without mariadbd, the shared server (TEST_DATABASE_URL
 * or 127.0.0.1:3306) is used and only the proxy cuts apply.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '@timer/shared';
import { freePort } from '../test/helpers/ports';

export interface DatabaseServer {
  host: string;
  port: number;
  user: string;
  password: string;
  description: string;
  /** Kills the server with SIGKILL, waits `downMs`, starts it again; only a private server. */
  crashRestart?: (downMs: number) => Promise<{ downAt: number; upAt: number }>;
  stop(): Promise<void>;
}

const SEARCH = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/usr/local/mysql/bin'];

function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SEARCH];
  for (const dir of dirs) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      /* not here */
    }
  }
  return null;
}

export function sharedServer(): DatabaseServer {
  const parsed = parseDatabaseUrl(process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test');
  if (typeof parsed === 'string') throw new Error(`TEST_DATABASE_URL ${parsed}`);
  return {
    host: parsed.host,
    port: parsed.port,
    user: parsed.user,
    password: parsed.password,
    description: `shared server ${parsed.host}:${parsed.port} (not restarted: proxy cuts only)`,
    stop: async () => undefined,
  };
}

async function waitUntilReady(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
      await conn.end();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`private MariaDB on :${port} not ready: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts a private MariaDB, or returns null when mariadbd or mariadb-install-db is not installed. */
export async function startPrivateMariadb(): Promise<DatabaseServer | null> {
  const mariadbd = findBinary('mariadbd') ?? findBinary('mysqld');
  const installDb = findBinary('mariadb-install-db') ?? findBinary('mysql_install_db');
  if (!mariadbd || !installDb) return null;

  const dir = mkdtempSync(path.join(os.tmpdir(), 'timer-chaos-'));
  const datadir = path.join(dir, 'data');
  const user = os.userInfo().username;
  await promisify(execFile)(installDb, [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--user=${user}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${path.join(dir, 'mysqld.sock')}`,
    `--pid-file=${path.join(dir, 'mysqld.pid')}`,
    `--user=${user}`,
    '--max-connections=500',
    '--innodb-buffer-pool-size=256M',
  ];
  const errorLog = openSync(path.join(dir, 'error.log'), 'a');
  let server: ChildProcess | null = null;
  const start = async () => {
    server = spawn(mariadbd, args, { stdio: ['ignore', errorLog, errorLog] });
    await waitUntilReady(port);
  };
  const kill = async () => {
    const running = server;
    server = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  // Never leave a server behind, whatever ends the campaign.
  process.once('exit', () => server?.kill('SIGKILL'));

  await start();
  return {
    host: '127.0.0.1',
    port,
    user: 'root',
    password: '',
    description: `private MariaDB on :${port}, data in ${dir} (crash-restarted once)`,
    async crashRestart(downMs) {
      const downAt = Date.now();
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
      return { downAt, upAt: Date.now() };
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
