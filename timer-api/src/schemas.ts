/**
 * The request and response shapes, defined once. Ajv validates requests against
 * these schemas and the OpenAPI document embeds the very same objects, so the
 * documentation cannot drift from what the api accepts.
 */
import { Type, Static } from '@sinclair/typebox';
import { DEFAULT_TIMEZONE, MAX_CRON_LENGTH, TIMER_STATUSES } from '@timer/shared';
import { ERROR_CATALOGUE } from './errors';

const delayPart = (unit: string, example: number) =>
  Type.Optional(
    Type.Integer({
      minimum: 0,
      description: `Whole ${unit} to wait (non-negative, default 0).`,
      examples: [example],
    }),
  );

export const MAX_URL_LENGTH = 2048;

const webhookUrl = (what: string) =>
  Type.String({
    format: 'uri',
    maxLength: MAX_URL_LENGTH,
    // A host right after `//`: the WHATWG parser would read http:///x as host "x".
    pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]',
    description: `Absolute http(s) URL. When ${what}, the service sends POST {url}/{id}: the id is appended as a new path segment, the query string is kept.`,
    examples: ['https://example.com/hooks'],
  });

export const CreateTimerRequest = Type.Object(
  {
    hours: delayPart('hours', 0),
    minutes: delayPart('minutes', 1),
    seconds: delayPart('seconds', 30),
    url: webhookUrl('the timer fires'),
  },
  {
    additionalProperties: false,
    description: 'A timer that fires hours + minutes + seconds from now. All zero fires at once.',
  },
);
export type CreateTimerRequest = Static<typeof CreateTimerRequest>;

const TimerStatus = Type.Union(
  TIMER_STATUSES.map((s) => Type.Literal(s)),
  { description: 'pending → firing → fired | failed (retries go back to pending); canceled' },
);

const nullableDateTime = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description });

export const Timer = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Time-ordered UUID (v7).' }),
  status: TimerStatus,
  url: Type.String({ format: 'uri' }),
  time_left: Type.Integer({
    minimum: 0,
    description: 'Whole seconds until fire_at, rounded up; 0 once due.',
  }),
  fire_at: Type.String({ format: 'date-time', description: 'When the timer is due (UTC).' }),
  created_at: Type.String({ format: 'date-time' }),
  fired_at: nullableDateTime('When the webhook was delivered (a 2xx answer), else null.'),
  attempts: Type.Integer({ minimum: 0, description: 'Delivery attempts started so far.' }),
  last_error: Type.Union([Type.String(), Type.Null()], {
    description: 'Why the last attempt failed, e.g. "HTTP 503" or "timeout after 10000 ms".',
  }),
  schedule_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'The schedule this timer is an occurrence of; null for a timer created with POST /timers.',
  }),
});
export type Timer = Static<typeof Timer>;

export const TimerPage = Type.Object({
  items: Type.Array(Timer),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` to get the next (older) page; null on the last page.',
  }),
});
export type TimerPage = Static<typeof TimerPage>;

export const MAX_PAGE_SIZE = 100;

export const ListTimersQuery = Type.Object(
  {
    status: Type.Optional(TimerStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListTimersQuery = Static<typeof ListTimersQuery>;

export const CreateScheduleRequest = Type.Object(
  {
    cron: Type.String({
      minLength: 1,
      maxLength: MAX_CRON_LENGTH,
      description:
        'Standard cron: five fields (minute hour day-of-month month day-of-week), or six with seconds first. ' +
        'Names (JAN, MON), ranges, lists, steps, L, W, # and @hourly-style nicknames are accepted. ' +
        'Day of month and day of week combine with OR when both are restricted.',
      examples: ['*/5 * * * *'],
    }),
    timezone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        default: DEFAULT_TIMEZONE,
        description: `IANA time zone the expression is read in (default ${DEFAULT_TIMEZONE}).`,
        examples: ['Europe/Berlin'],
      }),
    ),
    url: webhookUrl('an occurrence fires'),
  },
  {
    additionalProperties: false,
    description:
      'A recurring schedule: each occurrence of the cron expression becomes a timer that fires like any other.',
  },
);
export type CreateScheduleRequest = Static<typeof CreateScheduleRequest>;

export const Schedule = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Time-ordered UUID (v7).' }),
  cron: Type.String(),
  timezone: Type.String({ description: 'IANA time zone the expression is read in.' }),
  url: Type.String({ format: 'uri' }),
  paused: Type.Boolean({ description: 'A paused schedule creates no occurrences until it is resumed.' }),
  next_run_at: nullableDateTime(
    'The next occurrence not yet created as a timer (UTC); null while paused, or when the expression never fires again.',
  ),
  last_occurrence_at: nullableDateTime('The latest occurrence created as a timer, if any.'),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type Schedule = Static<typeof Schedule>;

export const SchedulePage = Type.Object({
  items: Type.Array(Schedule),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` to get the next (older) page; null on the last page.',
  }),
});
export type SchedulePage = Static<typeof SchedulePage>;

export const ListSchedulesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListSchedulesQuery = Static<typeof ListSchedulesQuery>;

export const DashboardOverview = Type.Object({
  now: Type.String({ format: 'date-time', description: "The database's clock when this was read." }),
  counts: Type.Object(
    Object.fromEntries(TIMER_STATUSES.map((s) => [s, Type.Integer({ minimum: 0 })])) as Record<
      (typeof TIMER_STATUSES)[number],
      ReturnType<typeof Type.Integer>
    >,
    { description: 'Timers per status, each counted up to count_cap.' },
  ),
  count_cap: Type.Integer({ description: 'A count equal to this means "at least this many".' }),
  due_soon: Type.Array(Timer, { description: 'Pending timers, soonest due first (overdue ones first).' }),
  recent: Type.Array(Timer, { description: 'The newest fired and failed timers.' }),
  failed: Type.Array(Timer, { description: 'The newest failed timers.' }),
  schedules: Type.Array(Schedule, { description: 'The newest schedules.' }),
});
export type DashboardOverview = Static<typeof DashboardOverview>;

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.Union(
      Object.keys(ERROR_CATALOGUE).map((c) => Type.Literal(c)),
      { description: 'Stable, machine-readable error code.' },
    ),
    message: Type.String(),
    details: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
        description: 'For validation_failed: one entry per problem found.',
      }),
    ),
  }),
});
