/**
 * API keys at the door. With API_KEYS set, every request needs
 * `Authorization: Bearer <key>` except the paths named public (health, and metrics
 * and docs when their settings say so): deny by default, so a route added later,
 * or a path spelled in a way the router also accepts, is never open by accident.
 * Without API_KEYS every caller is the same anonymous client.
 *
 * The header is never logged, and no answer repeats it.
 */
import type { RequestHandler, Response } from 'express';
import { AppError } from '../errors';
import { ANONYMOUS_OWNER, ApiKeys, Client } from '../domain/client';

const CHALLENGE = 'Bearer realm="timer-service"';
const BEARER = /^Bearer +([^\s]+) *$/i;

export function clientOf(res: Response): Client {
  return (res.locals.client as Client | undefined) ?? { rateKey: 'ip:unknown', owner: ANONYMOUS_OWNER };
}

export function authenticate(keys: ApiKeys | null, isPublic: (path: string) => boolean): RequestHandler {
  return (req, res, next) => {
    if (!keys) {
      res.locals.client = { rateKey: `ip:${req.ip ?? 'unknown'}`, owner: ANONYMOUS_OWNER } satisfies Client;
      return next();
    }
    if (isPublic(req.path)) return next();
    const header = req.headers.authorization;
    const token = header === undefined ? null : (BEARER.exec(header)?.[1] ?? null);
    if (token === null) {
      res.set('WWW-Authenticate', CHALLENGE);
      return next(
        new AppError(
          'unauthorized',
          header === undefined
            ? 'This api needs an API key: send Authorization: Bearer <key>.'
            : 'The Authorization header must be "Bearer <key>".',
        ),
      );
    }
    const keyId = keys.match(token);
    if (keyId === null) {
      res.set('WWW-Authenticate', `${CHALLENGE}, error="invalid_token"`);
      return next(new AppError('unauthorized', 'The API key is not valid.'));
    }
    res.locals.client = { rateKey: keyId, owner: keyId } satisfies Client;
    next();
  };
}
