/**
 * INTERNAL_TOKEN on the controller's endpoints that change what it does: the
 * caller must send `Authorization: Bearer <token>`; anything else is a 401 and
 * nothing happens. Compared in constant time (as digests, so the lengths do not
 * leak either). Without a configured token (`npm start`, whose api calls its
 * controller in-process) every call is refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function requireInternalToken(token: string | null): RequestHandler {
  const expected = token === null ? null : digest(token);
  return (req, res, next) => {
    const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    if (expected !== null && match && timingSafeEqual(digest(match[1]), expected)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer')
      .json({ error: { code: 'unauthorized', message: 'This endpoint needs the internal token (INTERNAL_TOKEN).' } });
  };
}
