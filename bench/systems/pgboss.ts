/**
 * pg-boss behind the peers' Express front (../peers/pgboss.ts): a front process
 * (steady workload only) and one worker process, on the machine's PostgreSQL
 * (synchronous_commit on: every commit waits for its WAL flush), each run in a
 * database of its own, dropped afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import PgBoss from 'pg-boss';
import { Client } from 'pg';
import { killAll, ServiceProcess, spawnNode } from '../../test/helpers/processes';
import { CostMeter } from '../meters/cost';
import { POSTGRES_URL, postgresMeter } from '../meters/postgres';
import { JOB_OPTIONS, QUEUE } from '../peers/pgboss';
import type { Running, System, Workload } from './system';

const SCRIPT = path.join(__dirname, '..', 'peers', 'pgboss.js');

/** pg-boss's shortest polling interval (it refuses less). */
const POLL_S = 0.5;

export interface PgbossSettings {
  /** Due jobs fetched a poll by each loop, their webhooks sent at once. */
  batchSize: number;
  /** work() loops in the worker process (v10's stand-in for teamSize). */
  loops: number;
}

/**
 * A loop fetches at most batchSize jobs a poll, and polls at most every POLL_S:
 * 4 loops of 1,000 allow 8,000 jobs a second, more than two cores can send, and
 * four staggered loops poll the queue about every 125 ms, which shortens its
 * steady lateness. Tried too: 250 × 2 held at its 1,000 a second; 500 × 4,
 * 500 × 8, 1,000 × 2 and 100 × 8 did no better (100 × 8 cost more CPU a job).
 */
export const PGBOSS_BEST: PgbossSettings = { batchSize: 1000, loops: 4 };

export function pgboss(best: PgbossSettings = PGBOSS_BEST): System {
  return {
    name: 'pgboss-postgres',
    settings:
      `pg-boss 10 (the newest for Node 20), one worker process with ${best.loops} work() loops, ` +
      `batchSize ${best.batchSize}, pollingIntervalSeconds ${POLL_S} (its minimum), retryLimit 4 with back-off; ` +
      'the worker supervises, the front does not; schedule off; front: Express, boss.send per request',
    bulkCreation: 'boss.insert, 1,000 jobs a call with startAfter the due instant, from the bench process',
    start: (_receiverUrl, workload) => start(best, workload),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function start(best: PgbossSettings, workload: Workload): Promise<Running> {
  const name = `timers_bench_pgboss_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  // The bench's own instance installs the schema and the queue, then only inserts bursts and counts.
  const boss = new PgBoss({ connectionString: url.href, schedule: false, supervise: false });
  // Without a listener, an idle pooled connection that DROP DATABASE … WITH (FORCE)
  // terminates (57P01) is an unhandled 'error' event that ends the bench.
  let stopping = false;
  boss.on('error', (err: Error & { code?: string }) => {
    if (stopping && err.code === '57P01') return;
    console.error(`pg-boss (bench instance): ${String(err)}`);
  });
  const processes: ServiceProcess[] = [];
  const stop = async () => {
    stopping = true;
    await killAll(processes);
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  try {
    await boss.start();
    await boss.createQueue(QUEUE, { name: QUEUE, policy: 'standard' });
    const env = {
      PGBOSS_URL: url.href,
      PGBOSS_POLL_S: String(POLL_S),
      PGBOSS_BATCH_SIZE: String(best.batchSize),
      PGBOSS_WORKERS: String(best.loops),
    };
    const worker = spawnNode(SCRIPT, ['worker'], env);
    processes.push(worker);
    const front = workload === 'steady' ? spawnNode(SCRIPT, ['front'], env) : undefined;
    if (front) processes.push(front);
    await worker.waitForLog('Worker ready');
    const port = front ? ((await front.waitForLog('Front listening')).port as number) : undefined;
    const meter = new CostMeter(() => ({ front: front?.child.pid, worker: worker.child.pid }), await postgresMeter());
    return {
      frontUrl: port ? `http://127.0.0.1:${port}/timers` : undefined,
      meter,
      async bulkCreate(count, hookUrl, fireAt) {
        const ids = Array.from({ length: count }, () => randomUUID());
        const data = { url: hookUrl, fire_at: fireAt.toISOString() };
        for (let start = 0; start < count; start += 1000) {
          await boss.insert(
            ids.slice(start, start + 1000).map((id) => ({ id, name: QUEUE, data, startAfter: fireAt, ...JOB_OPTIONS })),
          );
        }
        return ids;
      },
      async allRecorded(count) {
        // pg-boss orders states created < retry < active < completed < cancelled < failed.
        const left = await boss.getQueueSize(QUEUE, { before: 'completed' });
        const done = (await boss.getQueueSize(QUEUE, { before: 'cancelled' })) - left;
        return left === 0 && done >= count;
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
