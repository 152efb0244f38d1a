/**
 * /admin: key and tenant management (the admin scope: http/auth.ts refuses every
 * other key before a handler runs). HTTP in and out, nothing else.
 */
import { RequestHandler, Router } from 'express';
import { ApiKeyList, CreateKeyRequest, ListKeysQuery, TenantList } from '../adminSchemas';
import type { AdminService } from '../domain/admin';
import { clientOf } from '../http/auth';
import { methodNotAllowed } from '../http/errorHandler';
import { jsonBody } from '../http/jsonBody';
import { bodyValidator, queryValidator } from '../http/validation';

const validateCreate = bodyValidator(CreateKeyRequest);
const validateList = queryValidator(ListKeysQuery);

export function adminRoutes(service: AdminService, bodyLimitBytes: number): Router {
  const router = Router();

  const create: RequestHandler = async (req, res) => {
    const { tenant, scope } = validateCreate(req.body);
    const created = await service.createKey(tenant, scope, clientOf(res).owner);
    res.status(201).set('Cache-Control', 'no-store').json(created);
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

  return router;
}
