/**
 * pg-boss as a timer service, one role per process:
 *   node pgboss.js front   — the Express front: each POST /timers is `boss.send`
 *                             with `startAfter` the due instant
 *   node pgboss.js worker  — PGBOSS_WORKERS `boss.work` loops, each fetching up to
 *                             PGBOSS_BATCH_SIZE due jobs a poll and sending their
 *                             webhooks at once; the batch completes together
 * Other settings: PGBOSS_URL, PGBOSS_POLL_S, PORT. The worker supervises
 * (pg-boss's maintenance: expiring jobs whose worker died); the front does not.
 */
import PgBoss from 'pg-boss';
import { startFront } from './front';
import { log } from './log';
import { closeWebhooks, sendWebhook } from './webhook';

export const QUEUE = 'timers';

interface TimerData {
  url: string;
  fire_at: string;
}

const env = process.env;

/** As our timers: 5 attempts (pg-boss counts retries), exponential back-off from 1 s. */
export const JOB_OPTIONS = { retryLimit: 4, retryDelay: 1, retryBackoff: true } as const;

function connect(supervise: boolean): PgBoss {
  const boss = new PgBoss({ connectionString: env.PGBOSS_URL, schedule: false, supervise, migrate: false });
  boss.on('error', (err) => log('pg-boss error', { error: String(err) }));
  process.once(
    'SIGTERM',
    () =>
      void boss
        .stop({ graceful: true, wait: true, timeout: 5000 })
        .then(closeWebhooks)
        .then(() => process.exit(0)),
  );
  return boss;
}

async function front(): Promise<void> {
  const boss = connect(false);
  await boss.start();
  startFront(
    async (url, fireAt) => {
      const id = await boss.send(QUEUE, { url, fire_at: fireAt.toISOString() }, { ...JOB_OPTIONS, startAfter: fireAt });
      if (id === null) throw new Error('pg-boss did not queue the job');
      return { id, fireAt };
    },
    Number(env.PORT ?? 0),
  );
}

async function worker(): Promise<void> {
  const boss = connect(true);
  await boss.start();
  const options = {
    batchSize: Number(env.PGBOSS_BATCH_SIZE ?? 1),
    pollingIntervalSeconds: Number(env.PGBOSS_POLL_S ?? 2),
  };
  for (let i = 0; i < Number(env.PGBOSS_WORKERS ?? 1); i++) {
    await boss.work<TimerData>(QUEUE, options, async (jobs) => {
      await Promise.all(jobs.map((job) => sendWebhook(job.data.url, job.id, job.data.fire_at)));
    });
  }
  log('Worker ready');
}

if (require.main === module) {
  const role = process.argv[2];
  const run = role === 'front' ? front : role === 'worker' ? worker : undefined;
  if (!run) {
    process.stderr.write('usage: pgboss.js front|worker\n');
    process.exit(2);
  }
  run().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
