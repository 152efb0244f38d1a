/**
 * knex's better-sqlite3 client with the database moved to its own thread. knex
 * builds the SQL and runs transactions as before; only the last step differs:
 * instead of calling better-sqlite3 on the main thread (where each COMMIT's fsync
 * stopped HTTP and webhooks), each statement goes to the database thread, which
 * owns the one real connection (thread.ts, worker.ts, groupCommit.ts).
 *
 * The pool's connections are names, not SQLite connections: up to DB_POOL_SIZE
 * callers can have a statement or a transaction under way at once, which is what
 * lets their writes share a commit. The thread is opened with the first
 * connection (taking the file's lock) and closed by knex's destroy().
 */
import type { Knex } from 'knex';
import { kindOf, SqlResult } from './groupCommit';
import { SqliteThread, ThreadConnection } from './thread';

/** What this file uses of knex's Client_BetterSQLite3. */
interface BetterSqlite3Client {
  connectionSettings: { filename: string; lockWaitMs?: number };
  _formatBindings(bindings: unknown[] | undefined): unknown[];
  destroy(callback?: (err?: unknown) => void): Promise<void>;
}

interface QueryObject {
  sql: string;
  bindings?: unknown[];
  response?: unknown;
  context?: { lastID: number; changes: number };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Base = require('knex/lib/dialects/better-sqlite3') as new (config: Knex.Config) => BetterSqlite3Client;

export class SqliteThreadClient extends Base {
  private thread: Promise<SqliteThread> | null = null;

  async acquireRawConnection(): Promise<ThreadConnection> {
    return (await this.openThread()).connect();
  }

  async destroyRawConnection(connection: ThreadConnection): Promise<void> {
    connection.thread.disconnect(connection);
  }

  validateConnection(connection: ThreadConnection): boolean {
    return connection.thread.alive;
  }

  /**
   * knex's BEGIN is held back and sent with the transaction's first statement (and
   * an empty transaction never reaches the thread): while a transaction is open the
   * thread runs its statements only, so each round trip saved is time the others
   * do not wait.
   */
  async _query(connection: ThreadConnection, obj: QueryObject): Promise<QueryObject> {
    if (!obj.sql) throw new Error('The query is empty');
    const kind = kindOf(obj.sql);
    if (kind === 'begin' || (connection.beginPending && (kind === 'commit' || kind === 'rollback'))) {
      connection.beginPending = kind === 'begin';
      return answer(obj, { changes: 0, lastInsertRowid: 0 });
    }
    const begin = connection.beginPending;
    connection.beginPending = false;
    const bindings = this._formatBindings(obj.bindings);
    return answer(obj, await connection.thread.query(connection, obj.sql, bindings, begin));
  }

  async destroy(callback?: (err?: unknown) => void): Promise<void> {
    try {
      await super.destroy();
      const thread = await this.thread?.catch(() => null);
      this.thread = null;
      await thread?.close();
    } catch (err) {
      if (callback) return callback(err);
      throw err;
    }
    callback?.();
  }

  /** The running thread, or a new one (the first time, or after one stopped); one at a time. */
  openThread(): Promise<SqliteThread> {
    const opening = (this.thread ??= this.start());
    return opening.then((thread) => {
      if (thread.alive) return thread;
      if (this.thread === opening) this.thread = null;
      return this.openThread();
    });
  }

  private start(): Promise<SqliteThread> {
    const { filename, lockWaitMs = 0 } = this.connectionSettings;
    const opening = SqliteThread.open(filename, lockWaitMs);
    // A refusal (the file in use) is reported to this caller; the next one tries again.
    opening.catch(() => {
      if (this.thread === opening) this.thread = null;
    });
    return opening;
  }
}

/** The query object as knex's better-sqlite3 client fills it in. */
function answer(obj: QueryObject, result: SqlResult): QueryObject {
  if ('rows' in result) {
    obj.response = result.rows;
  } else {
    obj.response = result;
    obj.context = { lastID: result.lastInsertRowid, changes: result.changes };
  }
  return obj;
}
