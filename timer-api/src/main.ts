/**
 * timer-api as a process: `npm run start:api`. With API_WORKERS > 1 the process
 * forks that many workers (Node's cluster module) that share the port; each runs
 * the whole api with its own connection pool. The primary only forwards SIGTERM
 * and SIGINT and exits when the workers have.
 */
import cluster from 'node:cluster';
import { loadConfig, runService } from '@timer/shared';
import { startApi } from './server';

function workersWanted(): number {
  try {
    return loadConfig().apiWorkers;
  } catch {
    return 1; // runService reports the configuration problem and exits
  }
}

function runPrimary(workers: number): void {
  for (let i = 0; i < workers; i++) cluster.fork();
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      process.stderr.write(`API worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
      cluster.fork();
    } else if (Object.keys(cluster.workers ?? {}).length === 0) {
      process.exit(0);
    }
  });
}

if (require.main === module) {
  const workers = workersWanted();
  if (workers > 1 && cluster.isPrimary) runPrimary(workers);
  else void runService('timer-api', [startApi]);
}
