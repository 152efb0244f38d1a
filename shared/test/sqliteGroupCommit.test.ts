/**
 * Group commit in the embedded mode: writes that arrive together share one
 * commit on the database thread, yet each keeps its own outcome, and a
 * transaction keeps the connection to itself until it ends.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { select, sqliteGroupStats, write } from '@timer/shared';
import type { Db } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { newTimer } from '../../test/helpers/timers';

const URL = 'http://127.0.0.1:9/hook';
let t: TestDatabase;
let db: Db;

beforeEach(async () => {
  t = await createTestDatabase('group_commit', {}, 'sqlite');
  db = t.db;
  await db.raw('CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)');
  await db.raw("INSERT INTO counters VALUES ('claims', 0)");
});
afterEach(() => t.drop());

function insertOne(id = uuidv7()): Promise<number> {
  return write(
    db,
    5000,
    `INSERT INTO timers (id, url, status, fire_at, due_at, created_at, updated_at) VALUES (?, ?, 'pending', 0, 0, 0, 0)`,
    [id, URL],
  );
}

async function countTimers(): Promise<number> {
  const [row] = await select<{ n: number }>(db, 5000, 'SELECT COUNT(*) AS n FROM timers');
  return row.n;
}

it('commits concurrent writes together: far fewer commits than writes, and every write is there', async () => {
  const before = await sqliteGroupStats(db);

  await Promise.all(Array.from({ length: 300 }, () => insertOne()));

  const after = await sqliteGroupStats(db);
  expect(await countTimers()).toBe(300);
  expect(after.committed - before.committed).toBeGreaterThanOrEqual(300);
  // One commit per write would be 300; a busy machine still groups them, if less tightly.
  expect(after.commits - before.commits).toBeLessThan(300 / 2);
});

it('fails a duplicate key in its own statement only: the rest of its group commits', async () => {
  const taken = uuidv7();
  await insertOne(taken);

  const outcomes = await Promise.allSettled([
    ...Array.from({ length: 40 }, () => insertOne()),
    insertOne(taken),
    ...Array.from({ length: 40 }, () => insertOne()),
  ]);

  const failed = outcomes.filter((o) => o.status === 'rejected');
  expect(failed).toHaveLength(1);
  expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
  expect(await countTimers()).toBe(1 + 80);
});

it('settles concurrent idempotent creates of one key through their own savepoints, next to plain creates', async () => {
  const key = { owner: 'k1', key: 'same', requestHash: 'a'.repeat(64) };
  const plain = Array.from({ length: 30 }, () => t.store.timers.create(newTimer(URL)));
  const keyed = Array.from({ length: 5 }, () => t.store.timers.createIdempotent(newTimer(URL), key));

  const results = await Promise.all(keyed);
  await Promise.all(plain);

  expect(results.filter((r) => r === 'created')).toHaveLength(1);
  expect(results.filter((r) => r === 'taken')).toHaveLength(4);
  // The four that lost left nothing behind: no timer without its key.
  expect(await countTimers()).toBe(30 + 1);
});

it('keeps a transaction atomic: read-then-write transactions that wait mid-way lose no update', async () => {
  const increment = () =>
    db.transaction(async (trx) => {
      const [row] = await select<{ value: number }>(trx, 5000, "SELECT value FROM counters WHERE name = 'claims'");
      // Another caller's statements would run here if the transaction did not hold the connection.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await write(trx, 5000, "UPDATE counters SET value = ? WHERE name = 'claims'", [row.value + 1]);
    });

  await Promise.all([...Array.from({ length: 20 }, increment), ...Array.from({ length: 50 }, () => insertOne())]);

  const [row] = await select<{ value: number }>(db, 5000, "SELECT value FROM counters WHERE name = 'claims'");
  expect(row.value).toBe(20);
  expect(await countTimers()).toBe(50);
});

it('rolls back a failed transaction alone: the writes grouped with it commit', async () => {
  const doomed = db.transaction(async (trx) => {
    await write(trx, 5000, "UPDATE counters SET value = 99 WHERE name = 'claims'");
    throw new Error('changed my mind');
  });
  const others = Array.from({ length: 10 }, () => insertOne());

  await expect(doomed).rejects.toThrow('changed my mind');
  await Promise.all(others);
  const [row] = await select<{ value: number }>(db, 5000, "SELECT value FROM counters WHERE name = 'claims'");
  expect(row.value).toBe(0);
  expect(await countTimers()).toBe(10);
});

it('lets a script that opens, queries and destroys the database finish: the thread closes, the process exits', async () => {
  const script = `
    const { createDb, loadConfig, migrateToLatest, select } = require('@timer/shared');
    (async () => {
      const db = createDb(loadConfig({ SQLITE_PATH: process.argv[1] }, { standalone: true }));
      await migrateToLatest(db);
      const [row] = await select(db, 1000, 'SELECT COUNT(*) AS n FROM timers');
      await db.destroy();
      console.log('destroyed with', row.n, 'timers');
    })();`;
  const file = path.join(path.dirname(t.name), 'script.sqlite');

  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, file], { timeout: 30_000 });

  expect(stdout).toContain('destroyed with 0 timers');
});
