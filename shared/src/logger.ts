/**
 * JSON lines on stdout, one per notable event: a sentence plus fields.
 * `docker logs -f` and any log shipper can read them as they are.
 */
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(options: { level: string; service: string }): Logger {
  return winston.createLogger({
    level: options.level,
    defaultMeta: { service: options.service },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: false }),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}

/** A logger that drops everything: for tests that assert on behaviour, not output. */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}

/** The fields worth logging about an error: never the whole object (it may hold a query). */
export function errorFields(err: unknown): { error: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { error: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { error: String(err) };
}
