/** The /flows routes: HTTP in and out, nothing else (Express 5 forwards async errors). */
import { RequestHandler, Router } from 'express';
import type { FlowService } from '../domain/flows';
import { clientOf } from '../http/auth';
import { methodNotAllowed } from '../http/errorHandler';
import { jsonBody, noBody } from '../http/jsonBody';
import { bodyValidator } from '../http/validation';
import { PutFlowRequest } from '../schemas';

const validatePut = bodyValidator(PutFlowRequest);

export function flowRoutes(service: FlowService, bodyLimitBytes: number): Router {
  const router = Router();

  const put: RequestHandler<{ key: string }> = async (req, res) => {
    res.json(await service.put(req.params.key, validatePut(req.body), clientOf(res)));
  };

  router
    .route('/flows')
    .get(async (_req, res) => {
      res.json(await service.list(clientOf(res)));
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/flows/:key')
    .put(jsonBody(bodyLimitBytes), put)
    .get(async (req, res) => {
      res.json(await service.get(req.params.key, clientOf(res)));
    })
    .delete(async (req, res) => {
      await service.delete(req.params.key, clientOf(res));
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'PUT', 'DELETE']));

  // No body is read: the action is the path.
  router
    .route('/flows/:key/pause')
    .post(noBody(), async (req, res) => {
      res.json(await service.pause(req.params.key, clientOf(res)));
    })
    .all(methodNotAllowed(['POST']));

  router
    .route('/flows/:key/resume')
    .post(noBody(), async (req, res) => {
      res.json(await service.resume(req.params.key, clientOf(res)));
    })
    .all(methodNotAllowed(['POST']));

  return router;
}
