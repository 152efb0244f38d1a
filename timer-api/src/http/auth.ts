/**
 * API keys at the door, and what each key may do. Once the api has keys (see
 * domain/keyRing.ts), every request needs `Authorization: Bearer <key>` except the
 * paths named public (health, the dashboard's files, and metrics and docs when
 * their settings say so): deny by default, so a route added later, or a path
 * spelled in a way the router also accepts, is never open by accident. Without
 * any key every caller is the one open client of the default tenant.
 *
 * Then the scope, by method and path alone, before any route reads anything:
 * GET and HEAD need `read`, every other method `write`, /admin/* `admin`. A
 * missing scope is a 403 whatever the id in the path, so it tells nothing about
 * which timers exist. An admin key acts in the tenant X-Tenant names (and sees
 * only it); without the header it sees every tenant and creates in its own.
 *
 * The header is never logged, and no answer repeats it.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Scope, TENANT_NAME } from '@timer/shared';
import { AppError } from '../errors';
import { allows, Client, OPEN_CLIENT } from '../domain/client';
import type { KeyGrant, KeyRing } from '../domain/keyRing';

const CHALLENGE = 'Bearer realm="timer-service"';
const BEARER = /^Bearer +([^\s]+) *$/i;
export const TENANT_HEADER = 'X-Tenant';

export function clientOf(res: Response): Client {
  return (res.locals.client as Client | undefined) ?? OPEN_CLIENT;
}

export function authenticate(ring: KeyRing, isPublic: (path: string) => boolean): RequestHandler {
  const withKey = presentedKey(ring);
  // Without a promise when the ring knows at once that no key is needed (every request, then).
  return (req, res, next) => {
    if (isPublic(req.path)) return next();
    if (ring.requiredNow() === false) return admitOpen(req, res, next);
    return withKey(req, res, next);
  };
}

/** No key needed: the open client, rate-limited by address (read only when a limit asks). */
function admitOpen(req: Request, res: Response, next: NextFunction): void {
  const client: Client = {
    ...OPEN_CLIENT,
    get rateKey() {
      return `ip:${req.ip ?? 'unknown'}`;
    },
  };
  res.locals.client = client;
  next(checkScope(req, client));
}

function presentedKey(ring: KeyRing): RequestHandler {
  return async (req, res, next) => {
    if (!(await ring.required())) return admitOpen(req, res, next);
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
    const grant = await ring.match(token);
    if (grant === null) {
      res.set('WWW-Authenticate', `${CHALLENGE}, error="invalid_token"`);
      return next(new AppError('unauthorized', 'The API key is not valid.'));
    }
    const client = clientFor(grant, req.get(TENANT_HEADER));
    res.locals.client = client;
    next(checkScope(req, client));
  };
}

function clientFor(grant: KeyGrant, named: string | undefined): Client {
  const base = { rateKey: grant.id, owner: grant.id, scope: grant.scope };
  if (named === undefined || named === grant.tenant) {
    return {
      ...base,
      tenant: grant.tenant,
      sees: grant.scope === 'admin' && named === undefined ? null : grant.tenant,
    };
  }
  if (grant.scope !== 'admin') {
    throw new AppError('insufficient_scope', `Only an admin key may act in another tenant (${TENANT_HEADER}).`);
  }
  if (!TENANT_NAME.test(named)) {
    throw new AppError(
      'validation_failed',
      `${TENANT_HEADER} must be a tenant name: lower-case letters, digits, - and _, at most 64.`,
    );
  }
  return { ...base, tenant: named, sees: named };
}

export function scopeNeeded(req: Pick<Request, 'method' | 'path'>): Scope {
  if (req.path === '/admin' || req.path.startsWith('/admin/')) return 'admin';
  return req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write';
}

function checkScope(req: Request, client: Client): AppError | undefined {
  const needed = scopeNeeded(req);
  if (allows(client.scope, needed)) return undefined;
  return new AppError(
    'insufficient_scope',
    needed === 'admin'
      ? 'This needs an admin key (ADMIN_API_KEYS, or one made with npm run keys -- create --scope admin).'
      : `This API key has the ${client.scope} scope; this request needs ${needed}.`,
  );
}
