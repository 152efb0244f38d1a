/**
 * The shapes of the dashboard's chart and fleet answers (GET /ui/api/deliveries,
 * GET /ui/api/fleet), defined once for validation and the OpenAPI document.
 */
import { Type, Static } from '@sinclair/typebox';
import { LATENESS_BOUNDS_MS } from '@timer/shared';
import { Flow } from './schemas';

export const MAX_CHART_HOURS = 168;

export const DeliveriesQuery = Type.Object(
  {
    hours: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_CHART_HOURS, default: 3, description: 'How many hours back.' }),
    ),
  },
  { additionalProperties: false },
);
export type DeliveriesQuery = Static<typeof DeliveriesQuery>;

const nullableMs = (description: string) => Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description });

export const DeliveryMinute = Type.Object({
  minute: Type.String({ format: 'date-time', description: 'The start of the minute (database clock, UTC).' }),
  delivered: Type.Integer({ minimum: 0, description: 'Requests answered 2xx: the timer is fired.' }),
  retried: Type.Integer({ minimum: 0, description: 'Requests that failed and will be retried.' }),
  failed: Type.Integer({
    minimum: 0,
    description: 'Requests after which the timer failed (permanent, or out of attempts).',
  }),
  skipped: Type.Integer({ minimum: 0, description: 'Timers skipped as too late under their missed-fire policy.' }),
  sent: Type.Integer({
    minimum: 0,
    description: 'Requests that left in this minute (the lateness histogram counts them).',
  }),
  lateness_p50_ms: nullableMs(
    'Median lateness of the requests sent (after their due time: fire_at, or the retry time), read from the histogram; null: none sent.',
  ),
  lateness_p99_ms: nullableMs(
    `99th percentile of the same; a value of ${LATENESS_BOUNDS_MS[LATENESS_BOUNDS_MS.length - 1]} means at least that.`,
  ),
  lateness_buckets: Type.Array(Type.Integer({ minimum: 0 }), {
    description: 'Requests sent per lateness bucket (bounds in lateness_bounds_ms; the last counts the rest).',
  }),
});

export const DeliveryChart = Type.Object({
  now: Type.String({ format: 'date-time', description: "The database's clock when this was read." }),
  hours: Type.Integer({ description: 'The hours asked for.' }),
  scope: Type.Union([Type.Literal('tenant'), Type.Literal('all')], {
    description: "tenant: the caller's tenant's timers only; all: every tenant (an admin key without X-Tenant).",
  }),
  lateness_bounds_ms: Type.Array(Type.Integer(), {
    description: 'The upper bounds of the lateness buckets, in ms; a last bucket counts everything later.',
  }),
  minutes: Type.Array(DeliveryMinute, {
    description:
      'One entry per minute with any activity, oldest first, summed over controllers. A minute without activity is absent. ' +
      'The current minute appears once a controller has written it (each writes once a minute, just after the minute ends).',
  }),
});
export type DeliveryChart = Static<typeof DeliveryChart>;

export const FleetController = Type.Object({
  id: Type.String({ description: 'CONTROLLER_ID.' }),
  alive: Type.Boolean({ description: 'Its last heartbeat is younger than 15 s (heartbeats come every 5 s).' }),
  started_at: Type.String({ format: 'date-time' }),
  heartbeat_at: Type.String({ format: 'date-time', description: 'Its last heartbeat (database clock).' }),
  heartbeat_age_ms: Type.Integer({ description: 'Milliseconds since then.' }),
  in_flight: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'Requests in flight at its last heartbeat; null: not reported (an older version).',
  }),
  held: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'Claimed timers not yet sent at its last heartbeat; null: not reported.',
  }),
});

export const FleetView = Type.Object({
  now: Type.String({ format: 'date-time', description: "The database's clock when this was read." }),
  controllers: Type.Array(FleetController, {
    description:
      'Every controller in the controllers table, newest heartbeat first: live ones, and ones that stopped without ' +
      'leaving (a crash). Shown to every key: the fleet is the same for all tenants.',
  }),
  flows: Type.Array(Flow, {
    description:
      "The configured flows (at most 500): the caller's tenant's, or every tenant's and the origin defaults of " +
      'FLOW_DEFAULTS for an admin key without X-Tenant.',
  }),
});
export type FleetView = Static<typeof FleetView>;
