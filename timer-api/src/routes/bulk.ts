/**
 * The bulk actions, POST /timers/retry and POST /timers/cancel: HTTP in and out.
 * Mounted before /timers/:id, whose methods would otherwise answer these paths.
 */
import { RequestHandler, Router } from 'express';
import { BulkChangeRequest } from '../bulkSchemas';
import type { BulkChanges } from '../domain/bulkChanges';
import { clientOf } from '../http/auth';
import { answeredByDeadline } from '../http/deadline';
import { methodNotAllowed } from '../http/errorHandler';
import { jsonBody } from '../http/jsonBody';
import { bodyValidator } from '../http/validation';

const validateBulk = bodyValidator(BulkChangeRequest);

export function bulkRoutes(bulk: BulkChanges, bodyLimitBytes: number): Router {
  const router = Router();
  const replay: RequestHandler = async (req, res) => {
    const answer = await bulk.replay(validateBulk(req.body), clientOf(res).sees);
    if (answeredByDeadline(res)) return;
    res.json(answer);
  };
  const cancel: RequestHandler = async (req, res) => {
    const answer = await bulk.cancel(validateBulk(req.body), clientOf(res).sees);
    if (answeredByDeadline(res)) return;
    res.json(answer);
  };
  router
    .route('/timers/retry')
    .post(jsonBody(bodyLimitBytes), replay)
    .all(methodNotAllowed(['POST']));
  router
    .route('/timers/cancel')
    .post(jsonBody(bodyLimitBytes), cancel)
    .all(methodNotAllowed(['POST']));
  return router;
}
