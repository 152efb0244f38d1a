/**
 * The dashboard's chart and fleet data: GET /ui/api/deliveries (deliveries per
 * minute by outcome, lateness p50/p99, from the per-minute rollups) and GET
 * /ui/api/fleet (controllers and flows). Authenticated like every other route;
 * tenant-scoped as the client's key sees.
 */
import { Router } from 'express';
import { DeliveriesQuery } from '../dashboardSchemas';
import type { DeliveryCharts } from '../domain/deliveryCharts';
import type { FleetViews } from '../domain/fleetView';
import { clientOf } from '../http/auth';
import { methodNotAllowed } from '../http/errorHandler';
import { queryValidator } from '../http/validation';

const validateDeliveries = queryValidator(DeliveriesQuery);

export function dashboardDataRoutes(charts: DeliveryCharts, fleet: FleetViews): Router {
  const router = Router();
  router
    .route('/ui/api/deliveries')
    .get(async (req, res) => {
      const { hours = 3 } = validateDeliveries({ ...req.query });
      res.set('Cache-Control', 'no-store').json(await charts.perMinute(hours, clientOf(res).sees));
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/ui/api/fleet')
    .get(async (_req, res) => {
      res.set('Cache-Control', 'no-store').json(await fleet.view(clientOf(res).sees));
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
