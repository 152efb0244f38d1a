/**
 * The one error middleware (Express only treats four-argument functions as such).
 * It turns every error into `{"error": {"code", "message"}}`: AppErrors as they
 * are, body-parser's errors by their type, an unreachable database as 503 with
 * Retry-After, and anything else as a logged 500 with a generic message.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { errorFields, isTransientDbError, Logger, Metrics } from '@timer/shared';
import { AppError, ErrorCode } from '../errors';
import { answeredByDeadline } from './deadline';
import { sendError } from './sendError';

const BODY_PARSER_ERRORS: Record<string, ErrorCode> = {
  'entity.parse.failed': 'invalid_json',
  'entity.too.large': 'payload_too_large',
  'encoding.unsupported': 'unsupported_media_type',
  'charset.unsupported': 'unsupported_media_type',
};

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (isTransientDbError(err)) return new AppError('service_unavailable', undefined, undefined, { cause: err });
  const e = err as { type?: string; status?: number; message?: string };
  const code = e.type ? BODY_PARSER_ERRORS[e.type] : undefined;
  if (code) return new AppError(code);
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new AppError('bad_request');
  return null;
}

export function errorHandler(logger: Logger, metrics: Metrics): ErrorRequestHandler {
  return (err, req, res, _next) => {
    // The deadline has answered 503 already; what the route did afterwards (or failed to) is moot.
    if (answeredByDeadline(res)) return;
    const known = toAppError(err);
    const error = known ?? new AppError('internal_error', undefined, undefined, { cause: err });
    if (!known) {
      logger.error('Unexpected error', {
        method: req.method,
        path: req.path,
        ...errorFields(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
    } else if (error.code === 'service_unavailable') {
      metrics.dbErrors.inc({ operation: 'api' });
      logger.warn('Database unavailable, answered 503', { method: req.method, path: req.path, ...errorFields(err) });
    }
    sendError(res, error);
  };
}

export const routeNotFound: RequestHandler = (req, _res, next) =>
  next(new AppError('route_not_found', `No route for ${req.method} ${req.path.slice(0, 200)}.`));

export function methodNotAllowed(allowed: string[]): RequestHandler {
  return (req, res, next) => {
    res.set('Allow', allowed.join(', '));
    next(new AppError('method_not_allowed', `${req.method} is not allowed here; use ${allowed.join(' or ')}.`));
  };
}
