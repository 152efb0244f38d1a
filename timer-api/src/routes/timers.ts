/** The /timers routes: HTTP in and out, nothing else (Express 5 forwards async errors). */
import { RequestHandler, Router } from 'express';
import type { TimerService } from '../domain/timers';
import { clientOf } from '../http/auth';
import { answeredByDeadline, requestSignal } from '../http/deadline';
import { jsonBody } from '../http/jsonBody';
import { methodNotAllowed } from '../http/errorHandler';
import { bodyValidator, queryValidator } from '../http/validation';
import { CreateTimerRequest, ListTimersQuery } from '../schemas';

const validateCreate = bodyValidator(CreateTimerRequest);
const validateList = queryValidator(ListTimersQuery);

export function timerRoutes(service: TimerService, bodyLimitBytes: number): Router {
  const router = Router();

  const create: RequestHandler = async (req, res) => {
    const timer = await service.create(validateCreate(req.body), clientOf(res), requestSignal(res));
    if (answeredByDeadline(res)) return;
    res.status(201).location(`/timers/${timer.id}`).json(timer);
  };

  router
    .route('/timers')
    .post(jsonBody(bodyLimitBytes), create)
    .get(async (req, res) => {
      res.json(await service.list(validateList({ ...req.query })));
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/timers/:id')
    .get(async (req, res) => {
      res.json(await service.get(req.params.id));
    })
    .delete(async (req, res) => {
      res.json(await service.cancel(req.params.id));
    })
    .all(methodNotAllowed(['GET', 'DELETE']));

  return router;
}
