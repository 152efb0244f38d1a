/**
 * BullMQ as a timer service, one role per process:
 *   node bullmq.js front   — the Express front: each POST /timers is `queue.add`
 *                             with `delay` set to the due instant
 *   node bullmq.js worker  — a Worker that sends each job's webhook when it runs
 * Settings come from the environment (the bench's systems/bullmq.ts sets them):
 * REDIS_PORT, BULLMQ_PREFIX, BULLMQ_CONCURRENCY, BULLMQ_REMOVE_ON_COMPLETE, PORT.
 */
import { Job, JobsOptions, Queue, Worker } from 'bullmq';
import { startFront } from './front';
import { log } from './log';
import { closeWebhooks, sendWebhook } from './webhook';

export const QUEUE = 'timers';

interface TimerData {
  url: string;
  fire_at: string;
}

const env = process.env;
const connection = { host: '127.0.0.1', port: Number(env.REDIS_PORT ?? 6379), maxRetriesPerRequest: null };
const prefix = env.BULLMQ_PREFIX ?? 'bull';

/** As our timers: 5 attempts, exponential back-off from 1 s. */
export function jobOptions(removeOnComplete: boolean): JobsOptions {
  return { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete, removeOnFail: false };
}

function front(): void {
  const queue = new Queue<TimerData>(QUEUE, {
    connection,
    prefix,
    defaultJobOptions: jobOptions(env.BULLMQ_REMOVE_ON_COMPLETE === 'true'),
  });
  startFront(
    async (url, fireAt) => {
      const now = Date.now();
      const delay = Math.max(0, fireAt.getTime() - now);
      const job = await queue.add('timer', { url, fire_at: fireAt.toISOString() }, { delay, timestamp: now });
      return { id: job.id!, fireAt: new Date(now + delay) };
    },
    Number(env.PORT ?? 0),
  );
  process.once('SIGTERM', () => void queue.close().then(() => process.exit(0)));
}

function worker(): void {
  const w = new Worker<TimerData>(
    QUEUE,
    (job: Job<TimerData>) => sendWebhook(job.data.url, job.id!, job.data.fire_at),
    {
      connection,
      prefix,
      concurrency: Number(env.BULLMQ_CONCURRENCY ?? 1),
    },
  );
  w.on('error', (err) => log('Worker error', { error: String(err) }));
  void w.waitUntilReady().then(() => log('Worker ready'));
  process.once(
    'SIGTERM',
    () =>
      void w
        .close()
        .then(closeWebhooks)
        .then(() => process.exit(0)),
  );
}

if (require.main === module) {
  const role = process.argv[2];
  if (role === 'front') front();
  else if (role === 'worker') worker();
  else {
    process.stderr.write('usage: bullmq.js front|worker\n');
    process.exit(2);
  }
}
