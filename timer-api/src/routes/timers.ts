/** The /timers routes: HTTP in and out, nothing else (Express 5 forwards async errors). */
import { RequestHandler, Response, Router } from 'express';
import type { BulkChanges } from '../domain/bulkChanges';
import type { TimerChanges } from '../domain/changes';
import type { TimerService } from '../domain/timers';
import { IDEMPOTENCY_HEADER, idempotencyKeyOf } from '../domain/idempotency';
import { etagOf, readIfMatch } from '../domain/versions';
import { clientOf } from '../http/auth';
import { answeredByDeadline, requestSignal } from '../http/deadline';
import { jsonBody, noBody } from '../http/jsonBody';
import { methodNotAllowed } from '../http/errorHandler';
import { bodyValidator, queryValidator } from '../http/validation';
import {
  CancelByLabelQuery,
  CreateTimerRequest,
  CreateTimersBatchRequest,
  ListAttemptsQuery,
  ListTimersQuery,
  PatchTimerRequest,
  Timer,
} from '../schemas';
import { toView } from '../domain/views';

const validateCreate = bodyValidator(CreateTimerRequest);
const validatePatch = bodyValidator(PatchTimerRequest);
const validateList = queryValidator(ListTimersQuery);
const validateAttempts = queryValidator(ListAttemptsQuery);
const validateBatch = bodyValidator(CreateTimersBatchRequest);
const validateCancelByLabel = queryValidator(CancelByLabelQuery);

/** Every answer about one timer carries its version as a weak ETag. */
function sendTimer(res: Response, timer: Timer): void {
  res.set('ETag', etagOf(timer.version)).json(timer);
}

export function timerRoutes(
  service: TimerService,
  changes: TimerChanges,
  bulk: BulkChanges,
  limits: { bodyLimitBytes: number; batchBodyLimitBytes: number },
): Router {
  const router = Router();

  const create: RequestHandler = async (req, res) => {
    const body = validateCreate(req.body);
    const key = idempotencyKeyOf(req.get(IDEMPOTENCY_HEADER));
    const { timer, replayed } = await service.create(body, clientOf(res), key, requestSignal(res));
    if (answeredByDeadline(res)) return;
    // A repeated Idempotency-Key answers with the timer it created, as it is now.
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res
      .status(replayed ? 200 : 201)
      .location(`/timers/${timer.id}`)
      .set('ETag', etagOf(timer.version))
      .json(timer);
  };

  const patch: RequestHandler<{ id: string }> = async (req, res) => {
    const body = validatePatch(req.body);
    const timer = await changes.change(req.params.id, body, readIfMatch(req.get('If-Match')), clientOf(res).sees);
    if (answeredByDeadline(res)) return;
    sendTimer(res, toView(timer));
  };

  const createBatch: RequestHandler = async (req, res) => {
    const body = validateBatch(req.body);
    const key = idempotencyKeyOf(req.get(IDEMPOTENCY_HEADER));
    const { timers, replayed } = await service.createBatch(body, clientOf(res), key);
    if (answeredByDeadline(res)) return;
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.status(replayed ? 200 : 201).json({ timers });
  };

  router
    .route('/timers')
    .post(jsonBody(limits.bodyLimitBytes), create)
    .get(async (req, res) => {
      res.json(await service.list(validateList({ ...req.query }), clientOf(res).sees));
    })
    // Only with a label filter: there is no "cancel everything".
    .delete(noBody(), async (req, res) => {
      res.json(await bulk.cancelByLabels(validateCancelByLabel({ ...req.query }), clientOf(res).sees));
    })
    .all(methodNotAllowed(['GET', 'POST', 'DELETE']));

  router
    .route('/timers/batch')
    .post(jsonBody(limits.batchBodyLimitBytes), createBatch)
    .all(methodNotAllowed(['POST']));

  router
    .route('/timers/:id')
    .get(async (req, res) => {
      sendTimer(res, await service.get(req.params.id, clientOf(res).sees));
    })
    .patch(jsonBody(limits.bodyLimitBytes), patch)
    .delete(async (req, res) => {
      const timer = await changes.cancel(req.params.id, readIfMatch(req.get('If-Match')), clientOf(res).sees);
      if (answeredByDeadline(res)) return;
      sendTimer(res, toView(timer));
    })
    .all(methodNotAllowed(['GET', 'PATCH', 'DELETE']));

  router
    .route('/timers/:id/attempts')
    .get(async (req, res) => {
      res.json(await service.attempts(req.params.id, validateAttempts({ ...req.query }), clientOf(res).sees));
    })
    .all(methodNotAllowed(['GET']));

  // A replay takes nothing but the id: a body other than {} is refused.
  router
    .route('/timers/:id/retry')
    .post(noBody(), async (req, res) => {
      const timer = await changes.replay(req.params.id, readIfMatch(req.get('If-Match')), clientOf(res).sees);
      if (answeredByDeadline(res)) return;
      sendTimer(res, toView(timer));
    })
    .all(methodNotAllowed(['POST']));

  return router;
}
