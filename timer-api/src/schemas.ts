/**
 * The request and response shapes, defined once. Ajv validates requests against
 * these schemas and the OpenAPI document embeds the very same objects, so the
 * documentation cannot drift from what the api accepts.
 */
import { Type, Static, TArray, TSchema } from '@sinclair/typebox';
import {
  ATTEMPT_OUTCOMES,
  DEFAULT_TIMEZONE,
  ERROR_CLASSES,
  FLOW_KEY_PATTERN,
  MAX_CRON_LENGTH,
  TIMER_STATUSES,
  TIMER_WAITING,
} from '@timer/shared';
import { ERROR_CATALOGUE } from './errors';
import { webhookPatchFields, webhookRequestFields, webhookViewFields } from './webhookSchemas';

/** A page of a list: its items and the cursor of the next page (null on the last). */
function pageOf<T extends TSchema>(
  items: TArray<T>,
  nextDescription = 'Pass as `cursor` to get the next (older) page; null on the last page.',
) {
  return Type.Object({
    items,
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: nextDescription }),
  });
}

const delayPart = (unit: string, example: number) =>
  Type.Optional(
    Type.Integer({
      minimum: 0,
      description: `Whole ${unit} to wait (non-negative, default 0).`,
      examples: [example],
    }),
  );

/** A string from a fixed list; Ajv then says "must be equal to one of the allowed values". */
const StringEnum = <T extends string>(values: readonly T[], options: Record<string, unknown> = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

export const MAX_URL_LENGTH = 2048;

/** Bounds of a timer's own retry schedule. */
export const RETRY_LIMITS = {
  maxAttempts: { minimum: 1, maximum: 50 },
  baseMs: { minimum: 100, maximum: 3_600_000 },
  maxMs: { minimum: 100, maximum: 86_400_000 },
} as const;

/** Ten years: the largest MAX_DELAY_SECONDS can be. */
const MAX_LATENESS_SECONDS = 315_360_000;

export const RetryPolicyRequest = Type.Object(
  {
    max_attempts: Type.Optional(
      Type.Integer({
        ...RETRY_LIMITS.maxAttempts,
        description: 'Attempts in a series before the timer is failed (default: MAX_ATTEMPTS).',
      }),
    ),
    base_ms: Type.Optional(
      Type.Integer({
        ...RETRY_LIMITS.baseMs,
        description: 'First retry delay in ms; doubles each attempt, with jitter (default: RETRY_BASE_MS).',
      }),
    ),
    max_ms: Type.Optional(
      Type.Integer({
        ...RETRY_LIMITS.maxMs,
        description:
          'Cap on a retry delay in ms, also on one asked for by Retry-After; at least base_ms (default: RETRY_MAX_MS, or base_ms if larger).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "This timer's retry schedule. Omitted fields use the service's settings.",
    examples: [{ max_attempts: 10, base_ms: 2000, max_ms: 600000 }],
  },
);

export const ON_LATE = ['fire', 'skip'] as const;
export type OnLate = (typeof ON_LATE)[number];

/**
 * The missed-fire rule in a request, for POST /timers and POST /schedules alike
 * (`late`: when the thing is late). What the schema cannot say, that the two go
 * together, is checked by missedFireRuleOf (domain/timerRequest.ts).
 */
const missedFireRequest = (late: string) => ({
  on_late: Type.Optional(
    StringEnum(ON_LATE, {
      description:
        `What to do when a controller finds ${late}: "fire" (default) ` +
        'sends it however late; "skip" marks it skipped, unsent, when it is more than max_lateness_seconds late.',
    }),
  ),
  max_lateness_seconds: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_LATENESS_SECONDS,
      description: 'With on_late "skip" (and only then; required there): how late the fire may still be sent.',
    }),
  ),
});

const webhookUrl = (what: string) =>
  Type.String({
    format: 'uri',
    maxLength: MAX_URL_LENGTH,
    // A host right after `//`: the WHATWG parser would read http:///x as host "x".
    pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]',
    description: `Absolute http(s) URL. When ${what}, the service sends POST {url}/{id}: the id is appended as a new path segment, the query string is kept (method and append_id change that).`,
    examples: ['https://example.com/hooks'],
  });

const callbackUrl = (when: string) =>
  Type.Optional(
    Type.String({
      format: 'uri',
      maxLength: MAX_URL_LENGTH,
      pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]',
      description: `Absolute http(s) URL that gets one notice, sent to it exactly as given, ${when}.`,
      examples: ['https://example.com/timer-notices'],
    }),
  );

export const CallbacksRequest = Type.Object(
  {
    on_success: callbackUrl('when the timer fired'),
    on_failure: callbackUrl('when it failed (attempts used up, or a status that is not retried) or was skipped'),
  },
  {
    additionalProperties: false,
    description:
      'Completion callbacks: when a series of attempts ends, one notice (itself a timer: same guarantee, retries ' +
      'and signature) POSTs {"type", "outcome", "last_error", "timer"} to the URL, the timer as GET /timers/{id} ' +
      'shows it then. A canceled timer sends none; a replayed timer one more at the end of its new series.',
    examples: [{ on_failure: 'https://example.com/timer-notices' }],
  },
);

const callbacksView = (description: string) =>
  Type.Object({ on_success: Type.Optional(Type.String()), on_failure: Type.Optional(Type.String()) }, { description });

/** Bounds of a timer's or schedule's labels. */
export const LABEL_LIMITS = { pairs: 10, nameLength: 64, valueLength: 128 } as const;
export const LABEL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.\\-/]*$';

export const Labels = Type.Unsafe<Record<string, string>>({
  type: 'object',
  maxProperties: LABEL_LIMITS.pairs,
  propertyNames: { maxLength: LABEL_LIMITS.nameLength, pattern: LABEL_NAME_PATTERN },
  additionalProperties: {
    type: 'string',
    maxLength: LABEL_LIMITS.valueLength,
    // No control characters: a label is shown on one line.
    pattern: '^[^\\u0000-\\u001f\\u007f]*$',
  },
  description:
    `Up to ${LABEL_LIMITS.pairs} labels, name → value, to find and cancel timers as a group ` +
    '(GET /timers?label=name:value, DELETE /timers?label=name:value). Names: 1–64 letters, digits and _ . - /, ' +
    'starting with a letter or digit; values: up to 128 characters. Plain text, stored and shown as given: not for secrets.',
  examples: [{ order: '42', kind: 'reminder' }],
});

export const CreateTimerRequest = Type.Object(
  {
    hours: delayPart('hours', 0),
    minutes: delayPart('minutes', 1),
    seconds: delayPart('seconds', 30),
    fire_at: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'When to fire, as an RFC 3339 date-time with a UTC offset (Z or ±hh:mm), instead of hours/minutes/seconds ' +
          '(not both). In the past: fires at once. At most MAX_DELAY_SECONDS ahead.',
        examples: ['2026-11-22T18:30:00+01:00'],
      }),
    ),
    url: webhookUrl('the timer fires'),
    retry: Type.Optional(RetryPolicyRequest),
    ...missedFireRequest('the timer late (e.g. none was running at fire_at)'),
    labels: Type.Optional(Labels),
    callbacks: Type.Optional(CallbacksRequest),
    ...webhookRequestFields,
    flow_key: Type.Optional(
      Type.String({
        pattern: FLOW_KEY_PATTERN,
        description:
          'The flow this timer belongs to, for the limits set with PUT /flows/{key} (1–255 printable ASCII ' +
          "characters, no spaces). Default: the url's origin, scheme://host:port.",
        examples: ['partner-billing'],
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'A timer that fires hours + minutes + seconds from now (all zero: at once), or at fire_at. ' +
      'Optionally with its own retry schedule, missed-fire policy, and what it sends (payload or body, headers, method, append_id).',
  },
);
export type CreateTimerRequest = Static<typeof CreateTimerRequest>;

/** A retry field in a PATCH: a value, or null for the service's setting again. */
const patchRetryField = (limits: { minimum: number; maximum: number }, description: string) =>
  Type.Optional(Type.Union([Type.Integer(limits), Type.Null()], { description }));

export const PatchTimerRequest = Type.Object(
  {
    hours: delayPart('hours', 0),
    minutes: delayPart('minutes', 5),
    seconds: delayPart('seconds', 0),
    fire_at: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'The new fire time (RFC 3339 with an offset), instead of hours/minutes/seconds, which set it that long from now.',
        examples: ['2026-11-22T18:45:00Z'],
      }),
    ),
    url: Type.Optional(webhookUrl('the timer fires')),
    retry: Type.Optional(
      Type.Object(
        {
          max_attempts: patchRetryField(RETRY_LIMITS.maxAttempts, 'null: MAX_ATTEMPTS again.'),
          base_ms: patchRetryField(RETRY_LIMITS.baseMs, 'null: RETRY_BASE_MS again.'),
          max_ms: patchRetryField(RETRY_LIMITS.maxMs, 'null: RETRY_MAX_MS again.'),
        },
        {
          additionalProperties: false,
          description:
            'Merged field by field into the stored policy; an absent field stays, null returns it to the default.',
          examples: [{ max_attempts: 3, base_ms: null }],
        },
      ),
    ),
    ...missedFireRequest('the timer late'),
    ...webhookPatchFields,
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description:
      'What to change in a pending (or failed) timer; absent fields stay as they are. A 200 means the old version ' +
      'will never be sent.',
    examples: [{ minutes: 5 }, { fire_at: '2026-11-22T18:45:00Z', url: 'https://example.com/hooks/v2' }],
  },
);
export type PatchTimerRequest = Static<typeof PatchTimerRequest>;

const TimerStatus = Type.Union(
  TIMER_STATUSES.map((s) => Type.Literal(s)),
  {
    description:
      'pending → firing → fired | failed (retries go back to pending; POST /timers/{id}/retry takes a failed ' +
      'timer back to pending) | skipped (too late under on_late "skip"); canceled',
  },
);

const nullableDateTime = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description });

const nullableInt = (description: string) => Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description });

/** The missed-fire rule as a timer or a schedule shows it. */
const missedFireView = (description: string) => ({
  on_late: StringEnum(ON_LATE, { description }),
  max_lateness_seconds: nullableInt('With on_late "skip": how late the fire may still be sent; else null.'),
});

export const Timer = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Time-ordered UUID (v7).' }),
  status: TimerStatus,
  url: Type.String({ format: 'uri' }),
  time_left: Type.Integer({
    minimum: 0,
    description: 'Whole seconds until fire_at, rounded up; 0 once due.',
  }),
  fire_at: Type.String({ format: 'date-time', description: 'When the timer is due (UTC).' }),
  next_attempt_at: nullableDateTime(
    'When a controller next sends it (UTC): fire_at until the first attempt, then the retry time while it waits ' +
      'for a retry (so a retry is never shown as overdue); null unless pending.',
  ),
  created_at: Type.String({ format: 'date-time' }),
  fired_at: nullableDateTime('When the webhook was delivered (a 2xx answer), else null.'),
  attempts: Type.Integer({ minimum: 0, description: 'Delivery attempts started so far.' }),
  last_error: Type.Union([Type.String(), Type.Null()], {
    description: 'Why the last attempt failed, e.g. "HTTP 503" or "timeout after 10000 ms"; for a skipped timer, why.',
  }),
  retry: Type.Object(
    {
      max_attempts: nullableInt('Attempts per series; null: the service setting MAX_ATTEMPTS.'),
      base_ms: nullableInt('First retry delay; null: RETRY_BASE_MS.'),
      max_ms: nullableInt('Cap on a retry delay; null: RETRY_MAX_MS.'),
    },
    { description: "The timer's retry schedule as it was created; null fields follow the service's settings." },
  ),
  ...missedFireView('The missed-fire policy.'),
  schedule_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'The schedule this timer is an occurrence of; null for a timer created with POST /timers.',
  }),
  version: Type.Integer({
    minimum: 1,
    description:
      '1 at creation; raised by PATCH, cancel and replay (never by claims or retries). The ETag is W/"{version}"; ' +
      'deliveries carry it as Timer-Version.',
  }),
  callbacks: callbacksView('Its completion callbacks ({} for none).'),
  labels: Type.Record(Type.String(), Type.String(), {
    description: "The timer's labels ({} for none); an occurrence carries its schedule's.",
  }),
  ...webhookViewFields,
  flow_key: Type.String({
    description: "The timer's flow: its own flow_key, else its url's origin (scheme://host:port).",
  }),
  waiting: Type.Union([StringEnum(TIMER_WAITING), Type.Null()], {
    description:
      'Why a due timer is not being sent: flow_limit (its flow is at its parallelism or rate), paused (its flow ' +
      "is paused), origin_backoff (its receiver answered 429/503 with Retry-After), breaker (its receiver's " +
      'circuit breaker is open); null when it is not waiting.',
  }),
});
export type Timer = Static<typeof Timer>;

export const PutFlowRequest = Type.Object(
  {
    parallelism: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000,
        description: 'Most requests of this flow in flight at once, fleet-wide.',
      }),
    ),
    rate: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100_000,
        description: 'Requests a second, fleet-wide (fractions allowed: 0.5 is one every two seconds).',
      }),
    ),
    burst: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description: 'With rate: how many may leave at once after a quiet spell (default: rate / 10, at least 1).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "The flow's limits; an omitted one is no limit. The whole set is replaced.",
    examples: [{ parallelism: 5, rate: 50 }],
  },
);
export type PutFlowRequest = Static<typeof PutFlowRequest>;

const nullableNumber = (description: string) => Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description });

const originStateFields = {
  state: StringEnum(['backoff', 'breaker', 'probe'] as const, {
    description:
      'backoff: it answered 429/503 with Retry-After; breaker: open after repeated failures; probe: half-open, one request may test it.',
  }),
  until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Until when its timers wait; null while a probe may go.',
  }),
};

export const Flow = Type.Object({
  key: Type.String({ description: 'A flow_key, or an origin (scheme://host:port).' }),
  tenant: Type.Union([Type.String(), Type.Null()], {
    description: 'The tenant whose timers it limits; null for a default of FLOW_DEFAULTS (see default).',
  }),
  default: Type.Boolean({
    description:
      "A default limit of an origin, from the FLOW_DEFAULTS setting: it limits every tenant's timers to that " +
      'origin whose own flow is not set. Changed by the setting only; an admin key sees them.',
  }),
  parallelism: nullableInt('Most requests in flight at once, fleet-wide; null: no limit.'),
  rate: nullableNumber('Requests a second, fleet-wide; null: no limit.'),
  burst: nullableInt("The rate's burst as set; null: the default (rate / 10, at least 1), or no rate."),
  paused: Type.Boolean({ description: 'Paused: due timers wait until POST /flows/{key}/resume.' }),
  waiting: Type.Integer({ minimum: 0, description: 'Timers of this flow due and waiting for capacity or a resume.' }),
  in_flight: Type.Integer({ minimum: 0, description: 'Requests of this flow the fleet may have in flight now.' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  origin: Type.Union([Type.Object(originStateFields), Type.Null()], {
    description:
      'For a flow keyed by an origin: what the receiver said about itself (Retry-After, circuit breaker), for ' +
      'every tenant; null while it is healthy, and for a named flow.',
  }),
});
export type Flow = Static<typeof Flow>;

/** GET /flows answers at most this many (flows are few: one per destination that needs limits). */
export const MAX_FLOWS_LISTED = 500;

export const FlowList = Type.Object({
  items: Type.Array(Flow, {
    description: `By key, at most ${MAX_FLOWS_LISTED}: a tenant key's own flows; an admin key's (without X-Tenant) every tenant's and the origin defaults.`,
  }),
});
export type FlowList = Static<typeof FlowList>;

export const TimerPage = pageOf(Type.Array(Timer));
export type TimerPage = Static<typeof TimerPage>;

export const MAX_PAGE_SIZE = 100;

export const Attempt = Type.Object({
  attempt: Type.Integer({
    minimum: 1,
    description: "The attempt's number in the timer's history (the Timer-Attempt header); it goes on across replays.",
  }),
  started_at: Type.String({ format: 'date-time', description: 'When the request left (database clock).' }),
  finished_at: Type.String({ format: 'date-time', description: 'When its answer or error came.' }),
  duration_ms: Type.Integer({ minimum: 0 }),
  status_code: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The HTTP status answered; null when no answer came.',
  }),
  error_class: Type.Union([StringEnum(ERROR_CLASSES), Type.Null()], {
    description:
      'null for a 2xx; "http" for another status; else why no answer came: "timeout", "network" ' +
      '(refused, reset, DNS…), "target_refused" (WEBHOOK_TARGETS), "aborted" (controller shutdown), ' +
      '"invalid_request" (no request can be built from the timer, e.g. a URL stored before today\'s checks; not retried), ' +
      '"internal" (the service failed while preparing the request; retried).',
  }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'As last_error, e.g. "HTTP 503".' }),
  outcome: StringEnum(ATTEMPT_OUTCOMES, {
    description:
      'What followed: delivered (fired), retry (a retry was scheduled), failed (given up), released ' +
      '(aborted by a controller shutdown; the timer was handed back and sent again).',
  }),
  controller_id: Type.String({ description: 'The controller that sent it.' }),
  lateness_ms: Type.Integer({ description: 'How long after its due time (fire or retry time) the request left.' }),
  lease_token: Type.Integer({ minimum: 1, description: 'The claim it was sent under (the Timer-Lease header).' }),
});
export type Attempt = Static<typeof Attempt>;

export const AttemptPage = pageOf(
  Type.Array(Attempt, { description: 'Oldest first.' }),
  'Pass as `cursor` to get the next page; null on the last page.',
);
export type AttemptPage = Static<typeof AttemptPage>;

export const ListAttemptsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: MAX_PAGE_SIZE })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListAttemptsQuery = Static<typeof ListAttemptsQuery>;

/** `label=name:value`, repeatable: a timer must carry every one. */
const labelFilter = (what: string) =>
  Type.Optional(
    Type.Union(
      [
        Type.String({ minLength: 3, maxLength: 200 }),
        Type.Array(Type.String({ minLength: 3, maxLength: 200 }), { maxItems: LABEL_LIMITS.pairs }),
      ],
      {
        description: `${what} Repeat for several labels: a timer must carry all of them.`,
        examples: ['order:42'],
      },
    ),
  );

/** A host as GET /timers?host= takes it: a DNS name, an IPv4 address or an [IPv6] one, and an optional port. */
export const HOST_PATTERN = '^([A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\])(:[0-9]{1,5})?$';

export const ListTimersQuery = Type.Object(
  {
    status: Type.Optional(TimerStatus),
    label: labelFilter('Only timers carrying this label, as name:value.'),
    id_prefix: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 36,
        pattern: '^[0-9a-fA-F-]+$',
        description:
          'Only timers whose id starts with this (hex digits and hyphens, any case), as the dashboard search.',
        examples: ['0190f3a2'],
      }),
    ),
    retrying: Type.Optional(
      Type.Boolean({
        description: 'true: only pending timers waiting for a retry (attempts > 0); false: only those not yet tried.',
      }),
    ),
    schedule_id: Type.Optional(Type.String({ format: 'uuid', description: 'Only the occurrences of this schedule.' })),
    flow: Type.Optional(
      Type.String({
        pattern: FLOW_KEY_PATTERN,
        description:
          "Only timers of this flow: a timer's own flow_key, or an origin (https://host or https://host:443, " +
          'the default port added), which is the flow of every timer created without a flow_key.',
        examples: ['https://example.com:443'],
      }),
    ),
    host: Type.Optional(
      Type.String({
        pattern: HOST_PATTERN,
        maxLength: 261,
        description:
          'Only timers sent to this host (a name or [IPv6], with :port when not the default) whose flow is their ' +
          "url's origin, over http and https alike: the dashboard's search by host. Not with flow.",
        examples: ['api.partner.example'],
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListTimersQuery = Static<typeof ListTimersQuery>;

export const CreateTimersBatchRequest = Type.Object(
  {
    timers: Type.Array(CreateTimerRequest, {
      minItems: 1,
      description: 'The timers to create, each as the body of POST /timers; at most MAX_BATCH_SIZE (default 1,000).',
    }),
  },
  {
    additionalProperties: false,
    description: 'Timers created together: all of them, in one transaction, or none.',
    examples: [
      {
        timers: [
          { seconds: 90, url: 'https://example.com/hooks', labels: { campaign: '7' } },
          { fire_at: '2026-11-22T18:30:00+01:00', url: 'https://example.com/hooks', labels: { campaign: '7' } },
        ],
      },
    ],
  },
);
export type CreateTimersBatchRequest = Static<typeof CreateTimersBatchRequest>;

export const TimersBatch = Type.Object({
  timers: Type.Array(Timer, { description: 'The timers created, in the order of the request.' }),
});
export type TimersBatch = Static<typeof TimersBatch>;

export const CancelByLabelQuery = Type.Object(
  {
    label: Type.Union(
      [
        Type.String({ minLength: 3, maxLength: 200 }),
        Type.Array(Type.String({ minLength: 3, maxLength: 200 }), { minItems: 1, maxItems: LABEL_LIMITS.pairs }),
      ],
      {
        description: 'Cancel timers carrying this label (name:value); repeat for several: a timer must carry all.',
        examples: ['order:42'],
      },
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'At most this many cancels in this call (default and upper bound: MAX_CANCEL_PER_CALL, 1,000).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CancelByLabelQuery = Static<typeof CancelByLabelQuery>;

export const CanceledByLabel = Type.Object({
  canceled: Type.Integer({ minimum: 0, description: 'Pending timers this call canceled: none of them will be sent.' }),
  not_cancelable: Type.Integer({
    minimum: 0,
    description:
      'Matching timers a controller has started (status firing): their request has started or may have; not canceled.',
  }),
  remaining: Type.Integer({
    minimum: 0,
    description:
      'Matching timers still pending after this call (over the limit, or created meanwhile); repeat until 0. ' +
      'Counted up to 100,000.',
  }),
});
export type CanceledByLabel = Static<typeof CanceledByLabel>;

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
    labels: Type.Optional(Labels),
    callbacks: Type.Optional(CallbacksRequest),
    ...missedFireRequest(
      'an occurrence late (e.g. none was running at its time, or it is the one created to catch up after downtime)',
    ),
    ...webhookRequestFields,
  },
  {
    additionalProperties: false,
    description:
      'A recurring schedule: each occurrence of the cron expression becomes a timer that fires like any other.',
  },
);
export type CreateScheduleRequest = Static<typeof CreateScheduleRequest>;

export const PatchScheduleRequest = Type.Object(
  {
    cron: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CRON_LENGTH, examples: ['0 9 * * MON-FRI'] })),
    timezone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone.', examples: ['Europe/Berlin'] }),
    ),
    url: Type.Optional(webhookUrl('an occurrence fires')),
    ...missedFireRequest('an occurrence late'),
    ...webhookPatchFields,
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description:
      'What to change in a schedule; absent fields stay. The next occurrence is recomputed from the new rule. ' +
      'Occurrences already created as timers (up to SCHEDULE_LOOKAHEAD_MS ahead) keep what they had: change or ' +
      'cancel those with /timers/{id}.',
    examples: [{ cron: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' }],
  },
);
export type PatchScheduleRequest = Static<typeof PatchScheduleRequest>;

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
  ...missedFireView('The missed-fire policy, copied onto each occurrence.'),
  labels: Type.Record(Type.String(), Type.String(), { description: 'Copied onto each occurrence ({} for none).' }),
  callbacks: callbacksView('Copied onto each occurrence ({} for none).'),
  ...webhookViewFields,
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type Schedule = Static<typeof Schedule>;

export const SchedulePage = pageOf(Type.Array(Schedule));
export type SchedulePage = Static<typeof SchedulePage>;

export const ListSchedulesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListSchedulesQuery = Static<typeof ListSchedulesQuery>;

export const RecentDelivery = Type.Object(
  {
    timer_id: Type.String({ format: 'uuid', description: 'The timer the request was sent for.' }),
    ...Attempt.properties,
  },
  { description: 'One request a controller sent, as GET /timers/{id}/attempts shows it, with its timer.' },
);
export type RecentDelivery = Static<typeof RecentDelivery>;

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
  recent: Type.Array(RecentDelivery, {
    description:
      'The newest delivery attempts of all timers, newest first (by finished_at), from the delivery history.',
  }),
  failed: Type.Array(Timer, { description: 'The newest failed timers.' }),
  schedules: Type.Array(Schedule, { description: 'The newest schedules.' }),
  origins: Type.Array(
    Type.Object({ origin: Type.String({ description: 'scheme://host:port' }), ...originStateFields }),
    { description: 'Origins whose timers wait now, for every tenant: what the receivers said about themselves.' },
  ),
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
