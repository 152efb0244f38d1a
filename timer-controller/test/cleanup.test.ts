/**
 * The retention cleanup runs on one controller at a time: two controllers, each
 * with its own connection pool, race for the round and only one runs it; what it
 * deletes is what RETENTION_DAYS and the 24-hour key lifetime say, in batches.
 */
import { v7 as uuidv7 } from 'uuid';
import { createDb, Db, select, systemClock, Store } from '@timer/shared';
import type { Logger } from '@timer/shared';
import { Cleanup } from '@timer/controller';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { insertTimers } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

const DAY_MS = 24 * 3600_000;
let t: TestDatabase;
let otherDb: Db;
let stores: Store[];

beforeEach(async () => {
  t = await createTestDatabase('ctl_cleanup');
  otherDb = createDb(t.config);
  stores = [t.store, new Store(otherDb, t.config.dbQueryTimeoutMs)];
});

afterEach(async () => {
  await otherDb.destroy();
  await t.drop();
});

/** Timers finished `ageMs` ago, each with one attempt in the history. */
async function finishedTimers(count: number, ageMs: number, status = 'fired'): Promise<string[]> {
  const ids = await insertTimers(t.db, count, 'http://127.0.0.1:9/hooks', () => -ageMs);
  const { sql } = t;
  for (const id of ids) {
    await t.db.raw(
      `INSERT INTO timer_attempts (timer_id, lease_token, attempt, started_at, finished_at, duration_ms,
         outcome, controller_id, lateness_ms) VALUES (?, 1, 1, ${sql.now}, ${sql.now}, 1, 'delivered', 'c', 0)`,
      [id],
    );
  }
  await t.db.raw(
    `UPDATE timers SET status = ?, due_at = NULL, updated_at = ${sql.minus(sql.now)}
     WHERE id IN (${ids.map(() => '?').join(', ')})`,
    [status, sql.duration(ageMs), ...ids],
  );
  return ids;
}

async function count(table: string): Promise<number> {
  const [row] = await select<{ n: number | string }>(t.db, 5000, `SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row.n);
}

/** Collects the messages logged, from every cleanup given a logger over the same array. */
function recordingLogger(lines: string[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push((JSON.parse(chunk.toString('utf8')) as { message: string }).message);
      done();
    },
  });
  return winston.createLogger({
    level: 'info',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream: sink })],
  });
}

function cleanupFor(store: Store, id: string, logger: Logger, intervalMs = 60_000): Cleanup {
  return new Cleanup({
    fleet: store.fleet,
    logger,
    clock: systemClock,
    controllerId: id,
    retentionDays: 7,
    intervalMs,
    batchSize: 3,
  });
}

it('runs on exactly one of two racing controllers, which deletes what is old, in batches', async () => {
  const old = await finishedTimers(8, 8 * DAY_MS);
  const kept = [
    ...(await finishedTimers(2, 6 * DAY_MS, 'failed')),
    ...(await insertTimers(t.db, 2, 'http://x/h', () => 60_000)),
  ];
  await t.db.raw(
    `INSERT INTO idempotency_keys (owner, idem_key, request_hash, timer_id, created_at)
     VALUES ('anonymous', 'old', ?, ?, ${t.sql.minus(t.sql.now)}), ('anonymous', 'young', ?, ?, ${t.sql.now})`,
    ['f'.repeat(64), old[0], t.sql.duration(DAY_MS + 1000), 'f'.repeat(64), kept[0]],
  );
  const lines: string[] = [];
  const [a, b] = [
    cleanupFor(stores[0], 'ctl-a', recordingLogger(lines)),
    cleanupFor(stores[1], 'ctl-b', recordingLogger(lines)),
  ];

  const runs = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);

  expect(runs.filter((r) => r !== null)).toEqual([{ timers: 8, idempotencyKeys: 1, rollups: 0 }]);
  const left = await select<{ id: string }>(t.db, 5000, 'SELECT id FROM timers');
  expect(new Set(left.map((r) => r.id))).toEqual(new Set(kept));
  expect(await count('timer_attempts')).toBe(2);
  expect(await select(t.db, 5000, 'SELECT idem_key FROM idempotency_keys')).toEqual([{ idem_key: 'young' }]);
  expect(lines.filter((l) => l === 'Cleanup deleted old rows')).toHaveLength(1);
  // The round is taken: nobody runs again before the interval has passed.
  expect(await Promise.all([a.runOnce(), b.runOnce()])).toEqual([null, null]);
});

it('in its loop, two controllers clean up once per interval between them', async () => {
  await finishedTimers(4, 8 * DAY_MS);
  const lines: string[] = [];
  const cleanups = [
    cleanupFor(stores[0], 'ctl-a', recordingLogger(lines), 1000),
    cleanupFor(stores[1], 'ctl-b', recordingLogger(lines), 1000),
  ];
  for (const c of cleanups) c.start();
  try {
    await waitFor('the old timers to be deleted', async () => (await count('timers')) === 0);
    const [first] = await select<{ run_by: string }>(
      t.db,
      5000,
      "SELECT run_by FROM maintenance WHERE name = 'cleanup'",
    );
    expect(['ctl-a', 'ctl-b']).toContain(first.run_by);
    await finishedTimers(2, 8 * DAY_MS);
    await waitFor('the next round to delete the new ones', async () => (await count('timers')) === 0, {
      timeoutMs: 5000,
    });
  } finally {
    await Promise.all(cleanups.map((c) => c.stop()));
  }
  expect(lines.filter((l) => l === 'Cleanup deleted old rows')).toHaveLength(2);
});

it('keeps finished timers forever with RETENTION_DAYS=0, and still expires Idempotency-Keys', async () => {
  await finishedTimers(3, 400 * DAY_MS);
  await t.db.raw(
    `INSERT INTO idempotency_keys (owner, idem_key, request_hash, timer_id, created_at)
     VALUES ('anonymous', 'old', ?, ?, ${t.sql.minus(t.sql.now)})`,
    ['f'.repeat(64), uuidv7(), t.sql.duration(2 * DAY_MS)],
  );
  const cleanup = new Cleanup({
    fleet: t.store.fleet,
    logger: winston.createLogger({ silent: true }),
    clock: systemClock,
    controllerId: 'ctl-a',
    retentionDays: 0,
    intervalMs: 60_000,
    batchSize: 100,
  });

  expect(await cleanup.runOnce()).toEqual({ timers: 0, idempotencyKeys: 1, rollups: 0 });
  expect(await count('timers')).toBe(3);
});
