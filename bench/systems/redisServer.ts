/**
 * A second redis-server of our own, for BullMQ at the durability of our
 * databases: every write appended and fsynced before the reply (appendonly yes,
 * appendfsync always), in its own temporary directory on a free port. AOF
 * rewrites are off so that the file's growth is what was appended.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/helpers/ports';
import { waitForPort } from '../processes';

export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

export async function startFsyncedRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-redis-aof-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '']
    .concat(['--appendonly', 'yes', '--appendfsync', 'always', '--auto-aof-rewrite-percentage', '0'])
    .concat(['--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')]);
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(new Error(`redis-server could not start (apt-get install redis-server): ${err.message}`)),
    ),
  );
  await Promise.race([waitForPort(port), failed]);
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
