/** The dashboard's chart and fleet operations of the OpenAPI document (openapi.ts). */
import { MAX_CHART_HOURS } from './dashboardSchemas';
import { DocumentOptions, errorResponse, guarded, json, ref, unavailable } from './openapiParts';

const exampleChart = {
  now: '2026-11-22T12:03:10.000Z',
  hours: 3,
  scope: 'all',
  lateness_bounds_ms: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000],
  minutes: [
    {
      minute: '2026-11-22T12:02:00.000Z',
      delivered: 118,
      retried: 2,
      failed: 0,
      skipped: 0,
      sent: 120,
      lateness_p50_ms: 4,
      lateness_p99_ms: 48,
      lateness_buckets: [70, 30, 15, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    },
  ],
};

const exampleFleet = {
  now: '2026-11-22T12:03:10.000Z',
  controllers: [
    {
      id: 'ctl-7f3a',
      alive: true,
      started_at: '2026-11-22T09:00:00.000Z',
      heartbeat_at: '2026-11-22T12:03:08.000Z',
      heartbeat_age_ms: 2000,
      in_flight: 12,
      held: 340,
    },
  ],
  flows: [
    {
      tenant: 'default',
      key: 'https://api.example.com:443',
      parallelism: 5,
      rate: 50,
      burst: null,
      paused: false,
      waiting: 120,
      in_flight: 5,
      created_at: '2026-11-22T12:00:00.000Z',
      updated_at: '2026-11-22T12:00:00.000Z',
      origin: { state: 'breaker', until: '2026-11-22T12:03:15.000Z' },
    },
  ],
};

export function dashboardPaths(options: DocumentOptions) {
  return {
    '/ui/api/deliveries': {
      get: guarded(
        {
          summary: "The dashboard's charts: deliveries per minute and lateness",
          operationId: 'dashboardDeliveries',
          tags: ['Dashboard'],
          description:
            'Per minute over the last `hours`: requests delivered, retried and failed, timers skipped, and the lateness of ' +
            'the requests sent (p50, p99 and the histogram behind them). Read from the per-minute rollups each ' +
            'controller writes once a minute (README "Dashboard"), never from the delivery history. A tenant key sees ' +
            "its own tenant's figures; an admin key without X-Tenant the whole fleet's.",
          parameters: [
            {
              name: 'hours',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: MAX_CHART_HOURS, default: 3 },
              description: 'How many hours back.',
            },
          ],
          responses: {
            '200': { description: 'The minutes.', content: json(ref('DeliveryChart'), exampleChart) },
            '400': errorResponse(
              'hours is not an integer from 1 to 168, or another parameter is given.',
              'validation_failed',
            ),
            '503': unavailable,
          },
        },
        options,
      ),
    },
    '/ui/api/fleet': {
      get: guarded(
        {
          summary: "The dashboard's fleet view: controllers and flows",
          operationId: 'dashboardFleet',
          tags: ['Dashboard'],
          description:
            'The controllers with their last heartbeat, whether they are alive, and the requests in flight and timers ' +
            'held each reported on it; and the flows with their limits, pause, what each is doing and its breaker.',
          responses: {
            '200': { description: 'The fleet.', content: json(ref('FleetView'), exampleFleet) },
            '503': unavailable,
          },
        },
        options,
      ),
    },
  };
}
