/** The /schedules routes: HTTP in and out, nothing else (Express 5 forwards async errors). */
import { RequestHandler, Router } from 'express';
import type { ScheduleService } from '../domain/schedules';
import { clientOf } from '../http/auth';
import { methodNotAllowed } from '../http/errorHandler';
import { jsonBody, noBody } from '../http/jsonBody';
import { bodyValidator, queryValidator } from '../http/validation';
import { CreateScheduleRequest, ListSchedulesQuery, PatchScheduleRequest } from '../schemas';

const validateCreate = bodyValidator(CreateScheduleRequest);
const validatePatch = bodyValidator(PatchScheduleRequest);
const validateList = queryValidator(ListSchedulesQuery);

export function scheduleRoutes(service: ScheduleService, bodyLimitBytes: number): Router {
  const router = Router();

  const create: RequestHandler = async (req, res) => {
    const schedule = await service.create(validateCreate(req.body), clientOf(res));
    res.status(201).location(`/schedules/${schedule.id}`).json(schedule);
  };

  const patch: RequestHandler<{ id: string }> = async (req, res) => {
    res.json(await service.change(req.params.id, validatePatch(req.body), clientOf(res).sees));
  };

  router
    .route('/schedules')
    .post(jsonBody(bodyLimitBytes), create)
    .get(async (req, res) => {
      res.json(await service.list(validateList({ ...req.query }), clientOf(res).sees));
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/schedules/:id')
    .get(async (req, res) => {
      res.json(await service.get(req.params.id, clientOf(res).sees));
    })
    .patch(jsonBody(bodyLimitBytes), patch)
    .delete(async (req, res) => {
      await service.delete(req.params.id, clientOf(res).sees);
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'PATCH', 'DELETE']));

  // No body is read: the action is the path.
  router
    .route('/schedules/:id/pause')
    .post(noBody(), async (req, res) => {
      res.json(await service.pause(req.params.id, clientOf(res).sees));
    })
    .all(methodNotAllowed(['POST']));

  router
    .route('/schedules/:id/resume')
    .post(noBody(), async (req, res) => {
      res.json(await service.resume(req.params.id, clientOf(res).sees));
    })
    .all(methodNotAllowed(['POST']));

  return router;
}
