/**
 * Group commit on the one SQLite connection: the statements and transactions that
 * arrive together share one write transaction, so one COMMIT (one fsync, under
 * synchronous=FULL) makes all of them durable. Runs on the database thread.
 *
 * The callers are knex's connections, each a number here (connection.ts). What
 * each one gets:
 *   - A statement outside a transaction runs inside the open group. Its answer is
 *     held back until the group has committed: a 201 still means fsynced. A
 *     statement that fails (a duplicate key) is undone alone, by SQLite's own
 *     statement rollback, and its error goes back at once; the group carries on.
 *   - A transaction (BEGIN … COMMIT) becomes a SAVEPOINT inside the group. While it
 *     is open, only its own connection's statements run: the rest wait in arrival
 *     order, so the claim's SELECT-then-UPDATE and a cancel's read-then-write stay
 *     as atomic as on a connection of their own. Its statements are answered at
 *     once (it needs them to go on); its COMMIT is answered once the group has
 *     committed, and its ROLLBACK undoes its savepoint alone.
 *   - PRAGMAs run outside any transaction (some only take effect there): the
 *     open group commits first.
 * The group commits as soon as nothing runnable is left (the thread then reads
 * what arrived meanwhile, which is what batches the next group), or after
 * maxGroupStatements. If SQLite rolls the whole transaction back itself (a full
 * disk, an I/O error), every statement of the group gets that error.
 */

/** What the engine uses of a better-sqlite3 Database. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  readonly inTransaction: boolean;
}

interface SqliteStatement {
  readonly reader: boolean;
  all(bindings: unknown[]): unknown[];
  run(bindings: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}

export interface SqlRequest {
  id: number;
  /** The knex connection that sent it. */
  conn: number;
  sql: string;
  bindings: unknown[];
  /** Opens a transaction first: knex's BEGIN, sent along with the transaction's first statement. */
  begin?: boolean;
}

/** A statement's answer: rows for a reader, else what it changed. */
export type SqlResult = { rows: unknown[] } | { changes: number; lastInsertRowid: number };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

export type SqlReply = { id: number; result: SqlResult } | { id: number; error: SerializedError };

export interface GroupStats {
  /** Groups committed. */
  commits: number;
  /** Statements and transactions answered after a commit. */
  committed: number;
}

export type Kind = 'begin' | 'commit' | 'rollback' | 'pragma' | 'statement';

const SAVEPOINT = 'group_commit_tx';
const NO_CHANGES: SqlResult = { changes: 0, lastInsertRowid: 0 };

export function kindOf(sql: string): Kind {
  const head = /^\s*(\w+)(\s+TO\b)?/i.exec(sql);
  const word = head?.[1].toUpperCase();
  if (word === 'BEGIN') return 'begin';
  if (word === 'COMMIT' || word === 'END') return 'commit';
  if (word === 'ROLLBACK' && !head?.[2]) return 'rollback';
  if (word === 'PRAGMA') return 'pragma';
  return 'statement';
}

export function serializeError(err: unknown): SerializedError {
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | null;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

export class GroupCommit {
  private readonly queue: SqlRequest[] = [];
  private inGroup = false;
  private groupStatements = 0;
  /** The connection whose transaction runs now; `lost` once SQLite rolled the group back under it. */
  private held: { conn: number; lost: SerializedError | null } | null = null;
  /** Answers held back until the group is durable. */
  private awaitingCommit: { id: number; result: SqlResult }[] = [];
  readonly stats: GroupStats = { commits: 0, committed: 0 };

  constructor(
    private readonly db: SqliteDatabase,
    private readonly reply: (reply: SqlReply) => void,
    private readonly maxGroupStatements = 2000,
  ) {}

  enqueue(request: SqlRequest): void {
    this.queue.push(request);
  }

  /** Runs what can run; commits the group unless a transaction is still open. */
  process(): void {
    for (let i = 0; i < this.queue.length;) {
      const request = this.queue[i];
      if (this.held && request.conn !== this.held.conn) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      const wasHeld = this.held !== null;
      this.execute(request);
      // A transaction ended: the requests it kept waiting run now, in arrival order.
      if (wasHeld && !this.held) i = 0;
      if (!this.held && this.groupStatements >= this.maxGroupStatements) this.commitGroup();
    }
    if (!this.held) this.commitGroup();
  }

  /** A knex connection went away: a transaction it left open is undone. */
  disconnect(conn: number): void {
    if (this.held?.conn !== conn) return;
    this.endHeld(false);
    this.process();
  }

  /** Whether anything waits: a request, an open transaction or an uncommitted group. */
  get busy(): boolean {
    return this.queue.length > 0 || this.held !== null || this.inGroup;
  }

  private execute(request: SqlRequest): void {
    const kind = kindOf(request.sql);
    if (this.held) return this.executeHeld(request, kind);
    if (request.begin) {
      let opened = false;
      this.guard(request.id, () => {
        this.hold(request.conn);
        opened = true;
      });
      return opened ? this.executeHeld(request, kind) : undefined;
    }
    switch (kind) {
      case 'begin':
        return this.guard(request.id, () => {
          this.hold(request.conn);
          this.reply({ id: request.id, result: NO_CHANGES });
        });
      case 'pragma':
        this.commitGroup();
        return this.guard(request.id, () => this.reply({ id: request.id, result: this.run(request) }));
      case 'rollback':
        // Nothing is open (it never began, or its group was lost): nothing to undo.
        return this.reply({ id: request.id, result: NO_CHANGES });
      case 'commit':
        return this.fail(request.id, new Error(`${request.sql.trim()}: no transaction is open on this connection`));
      case 'statement':
        return this.guard(request.id, () => {
          this.openGroup();
          const result = this.run(request);
          this.groupStatements += 1;
          this.awaitingCommit.push({ id: request.id, result });
        });
    }
  }

  /** `conn`'s transaction starts: a savepoint in the group, and the connection is its own until it ends. */
  private hold(conn: number): void {
    this.openGroup();
    this.db.exec(`SAVEPOINT ${SAVEPOINT}`);
    this.held = { conn, lost: null };
  }

  private executeHeld(request: SqlRequest, kind: Kind): void {
    if (kind === 'rollback') {
      // Whatever endHeld meets, nothing of the transaction stays.
      this.endHeld(false);
      return this.reply({ id: request.id, result: NO_CHANGES });
    }
    if (kind === 'commit') {
      const lost = this.endHeld(true);
      if (lost) return this.reply({ id: request.id, error: lost });
      this.awaitingCommit.push({ id: request.id, result: NO_CHANGES });
      return;
    }
    const lost = this.held!.lost;
    if (lost) return this.reply({ id: request.id, error: lost });
    if (kind === 'begin') return this.fail(request.id, new Error('BEGIN inside a transaction'));
    this.guard(request.id, () => {
      const result = this.run(request);
      this.groupStatements += 1;
      this.reply({ id: request.id, result });
    });
  }

  /**
   * Ends the held transaction: releases its savepoint, rolled back first unless
   * `commit`. Returns the error that took the group down with it, if one did
   * (before, or now: a savepoint that cannot be undone takes the group, so that
   * none of it is committed with the others).
   */
  private endHeld(commit: boolean): SerializedError | null {
    const held = this.held;
    this.held = null;
    if (held?.lost) return held.lost;
    try {
      if (!commit) this.db.exec(`ROLLBACK TO ${SAVEPOINT}`);
      this.db.exec(`RELEASE ${SAVEPOINT}`);
      return null;
    } catch (err) {
      const error = serializeError(err);
      this.rollbackGroup(error);
      return error;
    }
  }

  private run(request: SqlRequest): SqlResult {
    const statement = this.db.prepare(request.sql);
    if (statement.reader) return { rows: statement.all(request.bindings) };
    const { changes, lastInsertRowid } = statement.run(request.bindings);
    return { changes, lastInsertRowid: Number(lastInsertRowid) };
  }

  /** Runs `work`; its error goes back to `id` alone, unless SQLite took the whole group with it. */
  private guard(id: number, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.fail(id, err);
      if (this.inGroup && !this.db.inTransaction) this.groupLost(serializeError(err));
    }
  }

  private fail(id: number, err: unknown): void {
    this.reply({ id, error: serializeError(err) });
  }

  private openGroup(): void {
    if (this.inGroup) return;
    this.db.exec('BEGIN IMMEDIATE');
    this.inGroup = true;
  }

  private commitGroup(): void {
    if (!this.inGroup) return;
    try {
      this.db.exec('COMMIT');
    } catch (err) {
      return this.rollbackGroup(serializeError(err));
    }
    this.inGroup = false;
    this.groupStatements = 0;
    this.stats.commits += 1;
    this.stats.committed += this.awaitingCommit.length;
    for (const answer of this.awaitingCommit.splice(0)) this.reply(answer);
  }

  private rollbackGroup(error: SerializedError): void {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } finally {
      this.groupLost(error);
    }
  }

  /** The group's transaction is gone (rolled back): nothing it held back was made durable. */
  private groupLost(error: SerializedError): void {
    this.inGroup = false;
    this.groupStatements = 0;
    if (this.held) this.held.lost = error;
    for (const { id } of this.awaitingCommit.splice(0)) this.reply({ id, error });
  }
}
