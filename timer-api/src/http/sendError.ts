import type { Response } from 'express';
import { RETRY_AFTER_SECONDS } from '@timer/shared';
import type { AppError } from '../errors';

/** Answers with the SPEC's error JSON (and Retry-After on a 503, and when the tenant's second is full). */
export function sendError(res: Response, error: AppError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (error.status === 503) res.set('Retry-After', String(error.retryAfterSeconds ?? RETRY_AFTER_SECONDS));
  if (error.code === 'create_rate_exceeded') res.set('Retry-After', '1');
  res.status(error.status).json({
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    },
  });
}
