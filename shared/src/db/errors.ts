/**
 * Which database errors mean "the database is unreachable or overloaded, try again
 * later" rather than "this query is wrong". The api answers the first kind with 503
 * and the controller backs off; the second kind is a bug and is reported as one.
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_OPTION_PREVENTS_STATEMENT', // a read-only replica during failover
  'ER_BAD_DB_ERROR', // the database is being created by another replica
  'ER_NO_SUCH_TABLE', // migrations still running on another replica
  // SQLite: the file's lock is held elsewhere (busy_timeout ran out).
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
]);

export function isTransientDbError(err: unknown): boolean {
  // Not `instanceof Error`: Node's own socket errors (EPIPE after the other end closed) come from
  // another realm than the code that checks them under a test runner's sandbox.
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: string; fatal?: boolean; message?: unknown };
  if (e.name === 'KnexTimeoutError') return true;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  // mysql2's PROTOCOL_* codes all say the connection broke mid-conversation (lost, out of
  // order, enqueued after a fatal error): a cut link, not a wrong query.
  if (e.code?.startsWith('PROTOCOL_')) return true;
  if (e.fatal) return true;
  return (
    typeof e.message === 'string' && /closed state|Connection lost|connect ETIMEDOUT|Pool is closed/i.test(e.message)
  );
}

/** An INSERT hit a primary or unique key that another row already holds. */
export function isDuplicateKeyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** InnoDB chose this transaction as a deadlock victim and rolled it back. */
export function isDeadlock(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ER_LOCK_DEADLOCK';
}
