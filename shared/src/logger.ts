/**
 * JSON lines on stdout, one per notable event: a sentence plus fields.
 * `docker logs -f` and any log shipper can read them as they are.
 */
import winston from 'winston';

export type Logger = winston.Logger;

/** The active span's ids (Tracing.activeIds), for a line logged inside a span. */
export type TraceIds = () => { trace_id: string; span_id: string } | null;

/**
 * `stream`: where the lines go instead of stdout (tests read the real output from it).
 * `traceIds`: with tracing on, each line logged while a span is active carries its trace_id and span_id.
 */
export function createLogger(options: {
  level: string;
  service: string;
  stream?: NodeJS.WritableStream;
  traceIds?: TraceIds;
}): Logger {
  const { traceIds } = options;
  return winston.createLogger({
    level: options.level,
    defaultMeta: { service: options.service },
    format: winston.format.combine(
      ...(traceIds ? [withTraceIds(traceIds)()] : []),
      winston.format.timestamp(),
      winston.format.errors({ stack: false }),
      winston.format.json(),
    ),
    transports: [
      options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console(),
    ],
  });
}

const withTraceIds = (traceIds: TraceIds) =>
  winston.format((info) => {
    const ids = traceIds();
    if (ids) Object.assign(info, ids);
    return info;
  });

/** A logger that drops everything: for tests that assert on behaviour, not output. */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}

/**
 * The fields worth logging about an error: never the whole object, and never the
 * query. knex prefixes a failed query's message with its SQL (and, unless told
 * otherwise, its values: timer URLs, which may carry credentials); mysql2 keeps
 * the server's own words in `sqlMessage`, which is all that is logged then.
 */
export function errorFields(err: unknown): { error: string; code?: string } {
  // Duck-typed: a driver's error class may come from another realm (a native addon, a vm).
  if (isErrorLike(err)) {
    const { code, sqlMessage } = err as { code?: unknown; sqlMessage?: unknown };
    const message = typeof sqlMessage === 'string' ? sqlMessage : withoutQuery(err);
    return { error: message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { error: String(err) };
}

function isErrorLike(err: unknown): err is Error {
  return typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string';
}

/** knex writes `<sql> - <message>`; the SQL holds placeholders only (compileSqlOnError: false). */
function withoutQuery(err: Error): string {
  const { sql } = err as { sql?: unknown };
  if (typeof sql === 'string' && err.message.startsWith(`${sql} - `)) return err.message.slice(sql.length + 3);
  return err.message;
}
