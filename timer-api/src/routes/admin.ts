/**
 * /admin: key and tenant management (the admin scope: http/auth.ts refuses every
 * other key before a handler runs). HTTP in and out, nothing else.
 */
import { RequestHandler, Router } from 'express';
import { ApiKeyList, CreateKeyRequest, ListKeysQuery, TenantLimitsRequest, TenantList } from '../adminSchemas';
import type { AdminService } from '../domain/admin';
import { clientOf } from '../http/auth';
import { methodNotAllowed } from '../http/errorHandler';
import { jsonBody } from '../http/jsonBody';
import { bodyValidator, queryValidator } from '../http/validation';

const validateCreate = bodyValidator(CreateKeyRequest);
const validateList = queryValidator(ListKeysQuery);
const validateLimits = bodyValidator(TenantLimitsRequest);

export function adminRoutes(service: AdminService, bodyLimitBytes: number): Router {
  const router = Router();

  const create: RequestHandler = async (req, res) => {
    const { tenant, scope } = validateCreate(req.body);
    const created = await service.createKey(tenant, scope, clientOf(res).owner);
    res.status(201).set('Cache-Control', 'no-store').json(created);
  };

  const setLimits: RequestHandler<{ name: string }> = async (req, res) => {
    const body = validateLimits(req.body);
    const limits = { maxPending: body.max_pending, createsPerSecond: body.creates_per_second };
    res.json(await service.setLimits(req.params.name, limits, clientOf(res).owner));
  };

  router
    .route('/admin/keys')
    .post(jsonBody(bodyLimitBytes), create)
    .get(async (req, res) => {
      const { tenant } = validateList({ ...req.query });
      res.json({ items: await service.keys(tenant) } satisfies ApiKeyList);
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/admin/keys/:id')
    .delete(async (req, res) => {
      res.json(await service.revokeKey(req.params.id, clientOf(res).owner));
    })
    .all(methodNotAllowed(['DELETE']));

  router
    .route('/admin/tenants')
    .get(async (_req, res) => {
      res.json({ items: await service.tenants() } satisfies TenantList);
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/admin/tenants/:name')
    .get(async (req, res) => {
      res.json(await service.tenant(req.params.name));
    })
    .patch(jsonBody(bodyLimitBytes), setLimits)
    .all(methodNotAllowed(['GET', 'PATCH']));

  router
    .route('/admin/tenants/:name/signing-secrets')
    .post(async (req, res) => {
      const created = await service.rotateSigningSecret(req.params.name, clientOf(res).owner);
      res.status(201).set('Cache-Control', 'no-store').json(created);
    })
    .delete(async (req, res) => {
      res.json(await service.clearSigningSecrets(req.params.name, clientOf(res).owner));
    })
    .all(methodNotAllowed(['POST', 'DELETE']));

  router
    .route('/admin/tenants/:name/signing-secrets/previous')
    .delete(async (req, res) => {
      res.json(await service.retirePreviousSecrets(req.params.name, clientOf(res).owner));
    })
    .all(methodNotAllowed(['DELETE']));

  return router;
}
