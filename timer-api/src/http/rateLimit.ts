/**
 * RATE_LIMIT_PER_SECOND: a request over its client's budget is answered 429
 * `rate_limited` with Retry-After (whole seconds, at least 1) before its body is
 * read. Runs after authentication, so a caller without a key cannot spend a key's
 * budget; health, metrics and docs are never limited (probes must not be refused).
 */
import type { RequestHandler } from 'express';
import { AppError } from '../errors';
import type { TokenBuckets } from '../domain/tokenBuckets';
import { clientOf } from './auth';

export function rateLimit(buckets: TokenBuckets, isExempt: (path: string) => boolean): RequestHandler {
  return (req, res, next) => {
    if (isExempt(req.path)) return next();
    const waitMs = buckets.take(clientOf(res).rateKey);
    if (waitMs === 0) return next();
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    res.set('Retry-After', String(seconds));
    next(new AppError('rate_limited', `Too many requests; retry in ${seconds} s.`));
  };
}
