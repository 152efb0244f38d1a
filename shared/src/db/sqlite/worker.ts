/**
 * The database thread of the embedded mode: it owns the one SQLite connection and
 * runs every statement the main thread sends, through group commit
 * (groupCommit.ts). better-sqlite3 is synchronous, so a COMMIT's fsync blocks the
 * thread that runs it: here it blocks this thread only, while the main thread
 * goes on serving HTTP and sending webhooks, and what arrives meanwhile waits in
 * the port to form the next group.
 *
 * Messages in: query { id, conn, sql, bindings }, disconnect { conn }, close.
 * Messages out: ready | failed { error } once, then replies, and closed.
 */
import { MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { GroupCommit, serializeError, SqliteDatabase, SqlRequest } from './groupCommit';
import { openSession, SessionConnection } from './session';

export interface WorkerInput {
  port: MessagePort;
  filename: string;
  lockWaitMs: number;
}

export type ToWorker =
  | ({ type: 'query' } & SqlRequest)
  | { type: 'disconnect'; conn: number }
  | { type: 'stats'; id: number }
  | { type: 'close' };

type Database = SqliteDatabase & SessionConnection & { close(): void };

function open({ filename, lockWaitMs }: WorkerInput): Database {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Driver = require('better-sqlite3') as new (filename: string) => Database;
  const db = new Driver(filename);
  try {
    openSession(db, filename, lockWaitMs);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function serve(input: WorkerInput, db: Database): void {
  const { port } = input;
  const engine = new GroupCommit(db, (reply) => port.postMessage(reply));
  let closing = false;

  const take = (message: ToWorker): void => {
    if (message.type === 'query') engine.enqueue(message);
    else if (message.type === 'disconnect') engine.disconnect(message.conn);
    else if (message.type === 'stats') port.postMessage({ id: message.id, result: { ...engine.stats } });
    else closing = true;
  };

  port.on('message', (message: ToWorker) => {
    take(message);
    // Everything that arrived while the last group ran joins this one.
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) take(m.message as ToWorker);
    engine.process();
    if (closing && !engine.busy) {
      db.close();
      port.postMessage({ type: 'closed' });
      port.close();
    }
  });
}

function start(input: WorkerInput): void {
  let db: Database;
  try {
    db = open(input);
  } catch (err) {
    input.port.postMessage({ type: 'failed', error: serializeError(err) });
    input.port.close();
    return;
  }
  input.port.postMessage({ type: 'ready' });
  serve(input, db);
}

start(workerData as WorkerInput);
