/**
 * The group commit engine on its own, over an in-memory SQLite database, driven
 * step by step: which request runs when, which answer waits for the COMMIT, and
 * what a failure takes with it.
 */
import { GroupCommit, SqliteDatabase, SqlReply } from '@timer/shared';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (filename: string) => SqliteDatabase & { close(): void };

let real: SqliteDatabase & { close(): void };
let failRelease: boolean;
let replies: SqlReply[];
let engine: GroupCommit;

/** The real database, with a RELEASE that fails like an I/O error when asked to. */
function faulty(): SqliteDatabase {
  return {
    prepare: (sql) => real.prepare(sql),
    exec: (sql) => {
      if (failRelease && sql.startsWith('RELEASE')) {
        throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      }
      return real.exec(sql);
    },
    get inTransaction() {
      return real.inTransaction;
    },
  };
}

let nextId = 1;
function send(conn: number, sql: string, bindings: unknown[] = []): number {
  const id = nextId++;
  engine.enqueue({ id, conn, sql, bindings });
  return id;
}

function answered(id: number): SqlReply | undefined {
  return replies.find((r) => r.id === id);
}

function rows(): number[] {
  return (real.prepare('SELECT x FROM t ORDER BY rowid').all([]) as Array<{ x: number }>).map((r) => r.x);
}

beforeEach(() => {
  real = new Database(':memory:');
  real.exec('CREATE TABLE t (x INTEGER NOT NULL UNIQUE)');
  failRelease = false;
  replies = [];
  engine = new GroupCommit(faulty(), (reply) => replies.push(reply));
});
afterEach(() => real.close());

it('holds a statement while another connection has a transaction open, then runs it after, in one commit', () => {
  const begin = send(2, 'BEGIN;');
  const other = send(1, 'INSERT INTO t VALUES (?)', [1]);
  engine.process();

  expect(answered(begin)).toEqual({ id: begin, result: expect.anything() });
  expect(answered(other)).toBeUndefined(); // waits for the transaction
  expect(engine.stats.commits).toBe(0);

  const inside = send(2, 'INSERT INTO t VALUES (?)', [2]);
  const commit = send(2, 'COMMIT;');
  engine.process();

  expect(answered(inside)).toMatchObject({ result: { changes: 1 } });
  expect(answered(commit)).toMatchObject({ result: expect.anything() });
  expect(answered(other)).toMatchObject({ result: { changes: 1 } });
  expect(rows()).toEqual([2, 1]);
  expect(engine.stats).toEqual({ commits: 1, committed: 2 });
});

it('answers a write only once its group is committed, and a failed statement at once, alone', () => {
  const seen: number[] = [];
  engine = new GroupCommit(faulty(), (reply) => {
    // When a write is answered, its row is already committed.
    if ('result' in reply) expect(real.inTransaction).toBe(false);
    seen.push(reply.id);
    replies.push(reply);
  });
  const first = send(1, 'INSERT INTO t VALUES (?)', [1]);
  const duplicate = send(2, 'INSERT INTO t VALUES (?)', [1]);
  const second = send(3, 'INSERT INTO t VALUES (?)', [2]);

  engine.process();

  expect(seen).toEqual([duplicate, first, second]);
  expect(answered(duplicate)).toMatchObject({ error: { code: 'SQLITE_CONSTRAINT_UNIQUE' } });
  expect(rows()).toEqual([1, 2]);
  expect(engine.stats).toEqual({ commits: 1, committed: 2 });
});

it('fails the whole group when a savepoint cannot be released, and the next group works', () => {
  const plain = send(1, 'INSERT INTO t VALUES (?)', [1]);
  send(2, 'BEGIN;');
  const inside = send(2, 'INSERT INTO t VALUES (?)', [2]);
  const commit = send(2, 'COMMIT;');
  failRelease = true;
  engine.process();

  expect(answered(inside)).toMatchObject({ result: { changes: 1 } });
  expect(answered(commit)).toMatchObject({ error: { code: 'SQLITE_IOERR' } });
  expect(answered(plain)).toMatchObject({ error: { code: 'SQLITE_IOERR' } });
  expect(rows()).toEqual([]);

  failRelease = false;
  const after = send(1, 'INSERT INTO t VALUES (?)', [3]);
  engine.process();
  expect(answered(after)).toMatchObject({ result: { changes: 1 } });
  expect(rows()).toEqual([3]);
});

it('rolls back the transaction of a connection that goes away, and lets the others run', () => {
  send(2, 'BEGIN;');
  send(2, 'INSERT INTO t VALUES (?)', [2]);
  const waiting = send(1, 'INSERT INTO t VALUES (?)', [1]);
  engine.process();
  expect(answered(waiting)).toBeUndefined();

  engine.disconnect(2);

  expect(answered(waiting)).toMatchObject({ result: { changes: 1 } });
  expect(rows()).toEqual([1]);
  expect(engine.busy).toBe(false);
});

it('opens a transaction with the statement that carries its BEGIN, and answers a ROLLBACK with nothing open', () => {
  const id = nextId++;
  engine.enqueue({ id, conn: 2, sql: 'INSERT INTO t VALUES (?)', bindings: [2], begin: true });
  const waiting = send(1, 'INSERT INTO t VALUES (?)', [1]);
  engine.process();

  expect(answered(id)).toMatchObject({ result: { changes: 1 } }); // answered at once: inside its transaction
  expect(answered(waiting)).toBeUndefined();

  const rollback = send(2, 'ROLLBACK');
  const again = send(2, 'ROLLBACK');
  engine.process();

  expect(answered(rollback)).toMatchObject({ result: expect.anything() });
  expect(answered(again)).toMatchObject({ result: expect.anything() });
  expect(rows()).toEqual([1]);
});
