/**
 * Opening the embedded mode's SQLite file, and the errors that can refuse it. Runs
 * on the database thread (worker.ts); nothing here imports knex.
 *
 * - locking_mode=EXCLUSIVE, set before the first read: the connection takes the
 *   file's lock on opening and keeps it until it closes, so a second process on the
 *   same file is refused at start (DatabaseInUseError) instead of racing this one,
 *   and WAL needs no shared-memory index. The operating system drops the lock when
 *   the process dies, SIGKILL included, so a restart never finds a stale lock.
 * - journal_mode=WAL: a commit appends to the log instead of rewriting pages, and a
 *   crash mid-write leaves the last committed state.
 * - synchronous=FULL: every commit is fsynced before it returns, so a 201 (the
 *   timer is committed) survives a power cut or kernel crash too, as it does on
 *   InnoDB's defaults. NORMAL would survive a process crash only; group commit
 *   (groupCommit.ts) keeps the fsyncs few instead.
 * - secure_delete=ON: deleted content is overwritten with zeros, so a value deleted
 *   or rewritten sealed (DATA_KEYS) does not survive in the file's free pages.
 */

/** Another process holds the SQLite file's lock. */
export class DatabaseInUseError extends Error {
  constructor(readonly filename: string) {
    super(
      `The SQLite database ${filename} is in use by another process. The SQLite mode runs the api and the ` +
        'controller in one process (`npm start`), and only one process may use a file: stop the other one, ' +
        'or set SQLITE_PATH to another file.',
    );
    this.name = 'DatabaseInUseError';
  }
}

/** The native driver is missing or was not compiled (install scripts skipped). */
export class SqliteDriverError extends Error {
  constructor(cause: unknown) {
    super(
      'The SQLite driver (better-sqlite3) is not installed or not built. Run `npm ci` from the repository ' +
        'root (package.json allows its install script, which compiles it), or `npm rebuild better-sqlite3`.',
      { cause },
    );
    this.name = 'SqliteDriverError';
  }
}

export const SQLITE_SETTINGS = { journalMode: 'wal', synchronous: 'full', lockingMode: 'exclusive' } as const;

/** What opening uses of a better-sqlite3 Database. */
export interface SessionConnection {
  pragma(source: string, options?: { simple?: boolean }): unknown;
}

export function openSession(conn: SessionConnection, filename: string, lockWaitMs: number): void {
  // How long to wait for a lock held elsewhere (a process that is just exiting) before refusing.
  conn.pragma(`busy_timeout = ${lockWaitMs}`);
  conn.pragma(`locking_mode = ${SQLITE_SETTINGS.lockingMode}`);
  let mode: unknown;
  try {
    // The first access to the file: this is where the exclusive lock is taken.
    mode = conn.pragma(`journal_mode = ${SQLITE_SETTINGS.journalMode}`, { simple: true });
  } catch (err) {
    if (isBusy(err)) throw new DatabaseInUseError(filename);
    throw err;
  }
  if (mode !== SQLITE_SETTINGS.journalMode) throw new Error(`SQLite kept journal_mode=${String(mode)}, not WAL`);
  conn.pragma(`synchronous = ${SQLITE_SETTINGS.synchronous}`);
  // Deleted content is overwritten with zeros: a value deleted (or rewritten sealed) does not
  // survive in the file's free pages.
  conn.pragma('secure_delete = ON');
}

function isBusy(err: unknown): boolean {
  return /^SQLITE_BUSY/.test(String((err as { code?: unknown }).code));
}

/** Opening failed because better-sqlite3's native part could not be loaded. */
export function isDriverMissing(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /bindings file|better_sqlite3\.node|NODE_MODULE_VERSION|Cannot find module 'better-sqlite3'/.test(message);
}
