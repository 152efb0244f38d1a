/**
 * The main thread's end of the database thread (worker.ts): starts it, sends it
 * statements tagged with the knex connection that sent them, and settles each
 * one's promise with its reply. The port keeps the process alive only while a
 * statement waits for its answer, as a synchronous driver would.
 */
import path from 'node:path';
import { MessageChannel, MessagePort, Worker } from 'node:worker_threads';
import type { GroupStats, SerializedError, SqlReply, SqlResult } from './groupCommit';
import { DatabaseInUseError } from './session';
import type { ToWorker, WorkerInput } from './worker';

/** A knex connection: a name for the statements one caller sends, in order. */
export interface ThreadConnection {
  thread: SqliteThread;
  id: number;
  /** knex said BEGIN and the thread has not heard of it yet: it goes with the next statement. */
  beginPending: boolean;
}

interface Pending {
  resolve: (result: SqlResult) => void;
  reject: (err: Error) => void;
}

type FromWorker = SqlReply | { type: 'ready' } | { type: 'failed'; error: SerializedError } | { type: 'closed' };

export class SqliteThread {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextConnection = 1;
  private stopped: Error | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly filename: string,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    port.on('message', (message: FromWorker) => {
      if ('id' in message) this.settle(message);
    });
    worker.on('error', (err) => this.stop(err));
    worker.once('exit', (code) => this.stop(new Error(`The SQLite database thread exited (code ${code})`)));
    worker.unref();
    port.unref();
  }

  /** Resolves once the file is open with its lock taken; rejects with why it could not be. */
  static open(filename: string, lockWaitMs: number): Promise<SqliteThread> {
    const { port1, port2 } = new MessageChannel();
    const workerData: WorkerInput = { port: port2, filename, lockWaitMs };
    const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData, transferList: [port2] });
    return new Promise((resolve, reject) => {
      const refuse = (err: Error) => {
        port1.close();
        reject(err);
      };
      worker.once('error', refuse);
      worker.once('exit', (code) => refuse(new Error(`The SQLite database thread exited (code ${code}) on opening`)));
      port1.once('message', (message: FromWorker) => {
        worker.removeAllListeners();
        if ('type' in message && message.type === 'ready') return resolve(new SqliteThread(worker, port1, filename));
        const error = 'type' in message && message.type === 'failed' ? message.error : undefined;
        refuse(error ? restoreError(error, filename) : new Error('The SQLite database thread did not open the file'));
      });
    });
  }

  get alive(): boolean {
    return this.stopped === null;
  }

  connect(): ThreadConnection {
    return { thread: this, id: this.nextConnection++, beginPending: false };
  }

  /** A connection leaves the pool: a transaction it left open is rolled back. */
  disconnect(connection: ThreadConnection): void {
    if (this.alive) this.send({ type: 'disconnect', conn: connection.id });
  }

  /** `begin`: open a transaction on the thread first, in the same message. */
  query(connection: ThreadConnection, sql: string, bindings: unknown[], begin = false): Promise<SqlResult> {
    return this.ask((id) => ({ type: 'query', id, conn: connection.id, sql, bindings, ...(begin ? { begin } : {}) }));
  }

  /** Commits and statements answered so far, to see the groups form. */
  async stats(): Promise<GroupStats> {
    return (await this.ask((id) => ({ type: 'stats', id }))) as unknown as GroupStats;
  }

  /** Commits what is open, closes the file (giving up its lock) and ends the thread. */
  async close(): Promise<void> {
    if (this.alive) this.send({ type: 'close' });
    // The thread closes its end of the port when done: the worker keeps the process up until it exits.
    this.worker.ref();
    await this.exited;
    this.port.close();
  }

  private ask(message: (id: number) => ToWorker): Promise<SqlResult> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<SqlResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.port.ref();
      this.send(message(id));
    });
  }

  private send(message: ToWorker): void {
    this.port.postMessage(message);
  }

  private settle(reply: SqlReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.port.unref();
    if ('error' in reply) pending.reject(restoreError(reply.error, this.filename));
    else pending.resolve(reply.result);
  }

  private stop(err: Error): void {
    this.stopped ??= err;
    for (const pending of this.pending.values()) pending.reject(this.stopped);
    this.pending.clear();
    this.port.unref();
  }
}

/** The error as the driver threw it on the other thread: same name, message and code. */
function restoreError(e: SerializedError, filename: string): Error {
  if (e.name === 'DatabaseInUseError') return new DatabaseInUseError(filename);
  const err = new Error(e.message) as Error & { code?: string };
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  return err;
}
