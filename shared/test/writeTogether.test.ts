/**
 * writeTogether against a real database, on both dialects: the statements commit
 * together or not at all, each reports the rows it changed, and a failure (a
 * statement the server refuses, or one killed at its time limit) leaves nothing
 * behind on the connection it used: the next query on that connection runs in no
 * transaction of ours. The MySQL pool here is one connection, so "the next query"
 * is on it; SQLite has one connection anyway (and one process per file). MySQL
 * runs twice: on a pool that takes several statements a query (one round trip, as
 * the controller's) and on one that does not (a knex transaction, as the api's).
 */
import { createDb, select, takesMultipleStatements, writeTogether } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';

const CASES = [
  ['mysql', 'one round trip', true],
  ['mysql', 'a transaction', false],
  ['sqlite', 'a transaction', false],
] as const;

describe.each(CASES)('writeTogether on %s, as %s', (dialect, _how, multipleStatements) => {
  let t: TestDatabase;
  let db: ReturnType<typeof createDb>;

  beforeAll(async () => {
    t = await createTestDatabase('together', {}, dialect);
    db = dialect === 'mysql' ? createDb({ ...t.config, dbPoolSize: 1 }, undefined, { multipleStatements }) : t.db;
    expect(takesMultipleStatements(db)).toBe(multipleStatements);
    await db.raw('CREATE TABLE together_a (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
    await db.raw('CREATE TABLE together_b (id INTEGER PRIMARY KEY, note VARCHAR(20) NOT NULL)');
  });
  afterAll(async () => {
    if (db !== t.db) await db.destroy();
    await t.drop();
  });
  beforeEach(async () => {
    await db.raw('DELETE FROM together_a');
    await db.raw('DELETE FROM together_b');
    await db.raw('INSERT INTO together_a (id, n) VALUES (1, 0), (2, 0), (3, 0)');
  });

  const rowsOf = async (table: string) =>
    (await select<{ id: number }>(t.db, 5000, `SELECT id FROM ${table} ORDER BY id`)).map((r) => Number(r.id));

  it('commits every statement and reports the rows each changed', async () => {
    const sent: string[] = [];
    const onQuery = (q: { sql: string }) => sent.push(q.sql);
    db.on('query', onQuery);
    const changed = await writeTogether(db, 5000, [
      { sql: 'UPDATE together_a SET n = n + 1 WHERE id IN (?, ?)', bindings: [1, 2] },
      { sql: 'INSERT INTO together_b (id, note) VALUES (?, ?), (?, ?)', bindings: [7, 'a;b', 8, "it's ?"] },
      { sql: 'UPDATE together_a SET n = n + 1 WHERE id = ?', bindings: [99] },
    ]);
    db.off('query', onQuery);
    expect(changed).toEqual([2, 2, 0]);
    // One query where the pool allows it; else BEGIN, each statement, COMMIT.
    if (dialect === 'mysql') expect(sent).toHaveLength(multipleStatements ? 1 : 5);
    // Seen from another connection: committed. Bindings with ; ' and ? stayed values.
    const notes = await select<{ note: string }>(t.db, 5000, 'SELECT note FROM together_b ORDER BY id');
    expect(notes.map((r) => r.note)).toEqual(['a;b', "it's ?"]);
    const counts = await select<{ n: number }>(t.db, 5000, 'SELECT n FROM together_a ORDER BY id');
    expect(counts.map((r) => Number(r.n))).toEqual([1, 1, 0]);
  });

  it('writes nothing when a later statement fails, and leaves no transaction open', async () => {
    await db.raw('INSERT INTO together_b (id, note) VALUES (1, ?)', ['there']);
    await expect(
      writeTogether(db, 5000, [
        { sql: 'UPDATE together_a SET n = 5', bindings: [] },
        { sql: 'INSERT INTO together_b (id, note) VALUES (?, ?)', bindings: [1, 'again'] }, // duplicate key
      ]),
    ).rejects.toThrow();
    const counts = await select<{ n: number }>(t.db, 5000, 'SELECT n FROM together_a');
    expect(counts.map((r) => Number(r.n))).toEqual([0, 0, 0]);

    // The pool's one connection again: an autocommitted write, visible at once elsewhere.
    await db.raw('INSERT INTO together_b (id, note) VALUES (2, ?)', ['after']);
    expect(await rowsOf('together_b')).toEqual([1, 2]);
  });

  if (dialect === 'mysql') {
    it('rolls back a statement killed at its time limit, and the connection is usable after', async () => {
      await expect(
        writeTogether(db, 300, [
          { sql: 'UPDATE together_a SET n = 9 WHERE id = 1', bindings: [] },
          { sql: 'UPDATE together_a SET n = SLEEP(3) WHERE id = 2', bindings: [] },
        ]),
      ).rejects.toThrow(/timeout/i);
      const counts = await select<{ n: number }>(t.db, 5000, 'SELECT n FROM together_a ORDER BY id');
      expect(counts.map((r) => Number(r.n))).toEqual([0, 0, 0]);
      await db.raw('INSERT INTO together_b (id, note) VALUES (3, ?)', ['later']);
      expect(await rowsOf('together_b')).toEqual([3]);
    });
  }
});
