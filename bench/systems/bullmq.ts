/**
 * BullMQ behind the peers' Express front (../peers/bullmq.ts): a front process
 * (steady workload only) and one worker process, on the machine's Redis (which
 * keeps nothing on disk) or on a redis-server of our own that fsyncs every write.
 * Each run has its own key prefix, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Queue } from 'bullmq';
import { killAll, ServiceProcess, spawnNode } from '../../test/helpers/processes';
import { CostMeter } from '../meters/cost';
import { redisMeter } from '../meters/redis';
import { jobOptions, QUEUE } from '../peers/bullmq';
import { RedisServer, startFsyncedRedis } from './redisServer';
import type { Running, System, Workload } from './system';

const SCRIPT = path.join(__dirname, '..', 'peers', 'bullmq.js');
export const MACHINE_REDIS_PORT = Number(process.env.BENCH_REDIS_PORT ?? 6379);

export interface BullmqSettings {
  /** Jobs the worker process runs at once. */
  concurrency: number;
  /** Whether a completed job is deleted. */
  removeOnComplete: boolean;
}

/**
 * 256 jobs at once is our controller's MAX_IN_FLIGHT (the webhook pool has as
 * many connections); 64 and 1,000 were tried too, 1,000 costing more CPU per job.
 * Removing completed jobs is BullMQ's own advice for production, and spares Redis
 * the completed set.
 */
export const BULLMQ_BEST: BullmqSettings = { concurrency: 256, removeOnComplete: true };

export type RedisKind = 'machine' | 'fsynced';

export function bullmq(redis: RedisKind, best: BullmqSettings = BULLMQ_BEST): System {
  return {
    name: redis === 'machine' ? 'bullmq-redis' : 'bullmq-redis-aof',
    settings:
      `BullMQ, one worker process with concurrency ${best.concurrency}, removeOnComplete ${best.removeOnComplete}, ` +
      '5 attempts with exponential back-off; front: Express, queue.add per request; ' +
      (redis === 'machine'
        ? "the machine's Redis as it runs (no persistence)"
        : 'a redis-server of our own with appendonly yes, appendfsync always (rewrites off)'),
    bulkCreation: 'Queue.addBulk, 1,000 jobs a call with delay set to the due instant, from the bench process',
    start: (_receiverUrl, workload) => start(redis, best, workload),
  };
}

async function start(redis: RedisKind, best: BullmqSettings, workload: Workload): Promise<Running> {
  const server: RedisServer =
    redis === 'machine' ? { port: MACHINE_REDIS_PORT, stop: async () => undefined } : await startFsyncedRedis();
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const env = {
    REDIS_PORT: String(server.port),
    BULLMQ_PREFIX: prefix,
    BULLMQ_CONCURRENCY: String(best.concurrency),
    BULLMQ_REMOVE_ON_COMPLETE: String(best.removeOnComplete),
  };
  const queue = new Queue(QUEUE, {
    connection: { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null },
    prefix,
    defaultJobOptions: jobOptions(best.removeOnComplete),
  });
  const processes: ServiceProcess[] = [];
  const stop = async () => {
    await killAll(processes);
    await queue.obliterate({ force: true });
    await queue.close();
    await server.stop();
  };
  try {
    const worker = spawnNode(SCRIPT, ['worker'], env);
    processes.push(worker);
    const front = workload === 'steady' ? spawnNode(SCRIPT, ['front'], env) : undefined;
    if (front) processes.push(front);
    await worker.waitForLog('Worker ready');
    const port = front ? ((await front.waitForLog('Front listening')).port as number) : undefined;
    const meter = new CostMeter(
      () => ({ front: front?.child.pid, worker: worker.child.pid }),
      await redisMeter(server.port),
    );
    return {
      frontUrl: port ? `http://127.0.0.1:${port}/timers` : undefined,
      meter,
      async bulkCreate(count, url, fireAt) {
        const ids: string[] = [];
        for (let start = 0; start < count; start += 1000) {
          const now = Date.now();
          const opts = { delay: Math.max(0, fireAt.getTime() - now), timestamp: now };
          const data = { url, fire_at: fireAt.toISOString() };
          const jobs = await queue.addBulk(
            Array.from({ length: Math.min(1000, count - start) }, () => ({ name: 'timer', data, opts })),
          );
          ids.push(...jobs.map((j) => j.id!));
        }
        return ids;
      },
      async allRecorded(count) {
        const n = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed');
        const left = n.wait + n.active + n.delayed + n.prioritized + n['waiting-children'];
        // Removed on completion, a job leaves no count: then "recorded" is "none left to run".
        return left === 0 && (best.removeOnComplete || n.completed >= count);
      },
      async stop() {
        await stop();
        await meter.database.close();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
