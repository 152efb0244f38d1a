/**
 * The embedded mode's rules below the services: which settings choose SQLite and
 * where its file is, who may use it, how the file is opened (WAL, a durable
 * commit, an exclusive lock), and that a second user of the file is refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  createDb,
  DatabaseInUseError,
  DEFAULT_DATABASE_URL,
  dialectOf,
  isTransientDbError,
  loadConfig,
  prepareDatabase,
  select,
  systemClock,
  createSilentLogger,
} from '@timer/shared';
import type { Db } from '@timer/shared';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('choosing the database', () => {
  const standalone = { standalone: true };

  it('uses ./data/timers.sqlite for `npm start` when DATABASE_URL is not set', () => {
    const { database } = loadConfig({}, standalone);
    expect(database).toEqual({
      client: 'better-sqlite3',
      filename: path.resolve('data/timers.sqlite'),
      display: `sqlite:${path.resolve('data/timers.sqlite')}`,
    });
  });

  it('keeps the MySQL default for a single service when DATABASE_URL is not set', () => {
    expect(loadConfig({}).database).toMatchObject({ client: 'mysql2', display: DEFAULT_DATABASE_URL });
  });

  it('keeps MySQL for `npm start` when DATABASE_URL names it', () => {
    const { database } = loadConfig({ DATABASE_URL: 'mysql://app:pw@db:3307/timers' }, standalone);
    expect(database).toMatchObject({ client: 'mysql2', host: 'db', port: 3307, user: 'app', database: 'timers' });
  });

  it.each([
    ['sqlite:./var/t.sqlite', path.resolve('var/t.sqlite')],
    ['sqlite:var/t.sqlite', path.resolve('var/t.sqlite')],
    ['sqlite:/srv/timers/t.sqlite', '/srv/timers/t.sqlite'],
    ['sqlite:///srv/timers/t.sqlite', '/srv/timers/t.sqlite'],
    ['SQLITE:/srv/t.db', '/srv/t.db'],
  ])('reads the file of DATABASE_URL=%s', (url, filename) => {
    expect(loadConfig({ DATABASE_URL: url }, standalone).database).toMatchObject({
      client: 'better-sqlite3',
      filename,
    });
  });

  it('reads the file of SQLITE_PATH', () => {
    expect(loadConfig({ SQLITE_PATH: '/tmp/x/t.sqlite' }, standalone).database).toMatchObject({
      filename: '/tmp/x/t.sqlite',
    });
  });

  it.each(['sqlite:', 'sqlite::memory:', 'sqlite://host/t.sqlite', 'sqlite:./t.sqlite?mode=ro', 'sqlite:./data/'])(
    'refuses DATABASE_URL=%s, naming the variable',
    (url) => {
      const problems = problemsOf(() => loadConfig({ DATABASE_URL: url }, standalone));
      expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL /)]);
    },
  );

  it('refuses SQLITE_PATH together with DATABASE_URL, and reports it with every other problem', () => {
    const problems = problemsOf(() =>
      loadConfig({ SQLITE_PATH: './a.sqlite', DATABASE_URL: 'mysql://root@h/db', PORT: 'x' }, standalone),
    );
    expect(problems).toEqual([
      expect.stringMatching(/SQLITE_PATH and DATABASE_URL are both set/),
      expect.stringMatching(/^PORT /),
    ]);
  });

  it.each([{ DATABASE_URL: 'sqlite:./t.sqlite' }, { SQLITE_PATH: './t.sqlite' }])(
    'refuses SQLite for a service started alone (%j): SQLite mode is one process',
    (env) => {
      const problems = problemsOf(() => loadConfig(env));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/one process/);
      expect(problems[0]).toMatch(/npm start/);
    },
  );
});

describe('the SQLite file', () => {
  let dir: string;
  const open: Db[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'timers-sqlite-mode-'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((db) => db.destroy()));
    await rm(dir, { recursive: true, force: true });
  });

  function openDb(file = path.join(dir, 'nested', 'timers.sqlite')) {
    const config = loadConfig({ SQLITE_PATH: file, LOG_LEVEL: 'error' }, { standalone: true });
    const db = createDb(config);
    open.push(db);
    const prepare = () => prepareDatabase({ config, db, logger: createSilentLogger(), clock: systemClock });
    return { db, config, prepare };
  }

  async function pragma(db: Db, name: string): Promise<unknown> {
    const [row] = await select<Record<string, unknown>>(db, 1000, `PRAGMA ${name}`);
    return Object.values(row)[0];
  }

  it('is created with its folder, migrated, and opened in WAL mode with durable commits and an exclusive lock', async () => {
    const { db, prepare } = openDb();
    await prepare();

    expect(await pragma(db, 'journal_mode')).toBe('wal');
    expect(await pragma(db, 'synchronous')).toBe(2); // FULL
    expect(await pragma(db, 'locking_mode')).toBe('exclusive');
    const tables = await select<{ name: string }>(db, 1000, "SELECT name FROM sqlite_master WHERE type = 'table'");
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['timers', 'controllers']));
  });

  it("reads this process's own clock: its offset is exactly 0, and no reading of it falls outside the host's", async () => {
    const { db, prepare } = openDb();

    expect(await prepare()).toEqual({ offset: 0, uncertainty: 0 });
    for (let i = 0; i < 200; i++) {
      const before = Date.now();
      const [row] = await select<{ now_ms: number }>(db, 1000, `SELECT ${dialectOf(db).preciseNowEpochMs} AS now_ms`);
      const after = Date.now();
      expect(row.now_ms).toBeGreaterThanOrEqual(before);
      expect(row.now_ms).toBeLessThanOrEqual(after);
    }
  });

  it('is refused to a second user while the first holds it, and free again once the first closes', async () => {
    const first = openDb();
    await first.prepare();

    const second = openDb();
    await expect(second.prepare()).rejects.toBeInstanceOf(DatabaseInUseError);
    await expect(second.prepare()).rejects.toThrow(/in use by another process/);

    await first.db.destroy();
    open.splice(open.indexOf(first.db), 1);
    const third = openDb();
    await expect(third.prepare()).resolves.toEqual({ offset: 0, uncertainty: 0 });
  });

  it('counts a busy file as a transient error (the api answers 503, the controller backs off)', () => {
    expect(isTransientDbError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('no such column'), { code: 'SQLITE_ERROR' }))).toBe(false);
  });
});
