/**
 * The OpenAPI 3.1 document, assembled from the same schema objects that validate
 * requests (schemas.ts). Served at /openapi.json and rendered by Swagger UI at /docs.
 */
import { DeliveryChart, FleetView } from './dashboardSchemas';
import { dashboardPaths } from './openapiDashboard';
import {
  Attempt,
  AttemptPage,
  CanceledByLabel,
  CreateScheduleRequest,
  CreateTimersBatchRequest,
  CreateTimerRequest,
  PatchScheduleRequest,
  DashboardOverview,
  ErrorResponse,
  PatchTimerRequest,
  Flow,
  FlowList,
  PutFlowRequest,
  RetryPolicyRequest,
  Schedule,
  SchedulePage,
  Timer,
  TimerPage,
  TimersBatch,
  MAX_PAGE_SIZE,
} from './schemas';
import { ERROR_CATALOGUE, ErrorCode } from './errors';
import { TIMER_STATUSES } from '@timer/shared';
import {
  DocumentOptions,
  bearerScheme,
  bodyErrors,
  errorResponse,
  exampleTimer,
  guarded,
  idParameter,
  json,
  pageParameters,
  ref,
  referenceComponents,
  TAGS,
  unavailable,
} from './openapiParts';
import { etagHeader, replayOperation, timerChangeOperations } from './openapiChanges';
import { flowPaths } from './openapiFlows';
import { batchPaths, cancelByLabelOperation, listLabelParameter } from './openapiBatch';
import { bulkPaths, listFilterParameters } from './openapiBulk';
import { BulkChangeAnswer, BulkChangeRequest } from './bulkSchemas';
import { schedulePaths } from './openapiSchedules';
import { adminPaths } from './openapiAdmin';
import {
  ApiKeyList,
  ApiKeyView,
  CreatedKey,
  CreateKeyRequest,
  NewSigningSecret,
  TenantLimitsRequest,
  TenantList,
  TenantView,
} from './adminSchemas';

export type { DocumentOptions };

const idParam = idParameter('timer', 'POST /timers');

const createExamples = {
  delay: {
    summary: 'In 90 seconds',
    value: { hours: 0, minutes: 1, seconds: 30, url: 'https://example.com/hooks' },
  },
  absolute: {
    summary: 'At an absolute time (RFC 3339 with an offset)',
    value: { fire_at: '2026-11-22T18:30:00+01:00', url: 'https://example.com/hooks' },
  },
  policies: {
    summary: 'Its own retry schedule; skipped if sent more than 5 minutes late',
    value: {
      fire_at: '2026-11-22T18:30:00Z',
      url: 'https://example.com/hooks',
      retry: { max_attempts: 10, base_ms: 2000, max_ms: 600000 },
      on_late: 'skip',
      max_lateness_seconds: 300,
    },
  },
  flow: {
    summary: 'In a named flow, sent within the limits set with PUT /flows/partner-billing',
    value: { seconds: 30, url: 'https://example.com/hooks', flow_key: 'partner-billing' },
  },
  payload: {
    summary: 'Its own JSON payload and headers, sent with PUT to {url}/{id}',
    value: {
      minutes: 30,
      url: 'https://example.com/hooks',
      payload: { order: 7, action: 'remind' },
      headers: { Authorization: 'Bearer rk_live_51H…', 'X-Tenant': '7' },
      method: 'PUT',
    },
  },
  form: {
    summary: "A form body, to another service's URL exactly as given",
    value: {
      minutes: 30,
      url: 'https://billing.internal/v1/invoices/7/remind',
      body: 'channel=email&template=overdue',
      content_type: 'application/x-www-form-urlencoded',
      method: 'PATCH',
      append_id: false,
    },
  },
};

const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?$' },
  // No `example`: Swagger UI would pre-fill it, and every "Try it out" would repeat one create (see README).
  description:
    'Optional: makes the create safe to repeat. Send a key of your own for each new timer (e.g. order-7-reminder), ' +
    'and the same key again only to repeat that create: the same key with the same body within 24 hours answers ' +
    '200 with the timer the first request created (no second timer), even for requests sent at the same moment; ' +
    'the same key with a different body answers 409 idempotency_key_reused. Keys are per API key. After 24 hours ' +
    'a key may be used again. In "Try it out", leave it empty unless you mean to repeat a create.',
};

const exampleAttempt = {
  attempt: 1,
  started_at: '2026-11-22T12:01:30.002Z',
  finished_at: '2026-11-22T12:01:30.140Z',
  duration_ms: 138,
  status_code: 503,
  error_class: 'http',
  error: 'HTTP 503',
  outcome: 'retry',
  controller_id: 'ctl-7f9c-1',
  lateness_ms: 2,
  lease_token: 1,
  schedule_id: null,
};

/** What /healthz and /readyz answer (shared/src/http/health.ts). */
const healthStatus = (status: string) => ({
  type: 'object',
  properties: { status: { type: 'string', const: status } },
  required: ['status'],
});

export function buildOpenApiDocument(version: string, options: DocumentOptions = {}): Record<string, unknown> {
  const quota: ErrorCode[] = options.pendingCap ? ['pending_quota_exceeded', 'create_rate_exceeded'] : [];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Timer service',
      version,
      description:
        'Schedule a webhook: the service stores the timer durably and, when it is due, sends ' +
        '`POST {url}/{id}` with body `{"id", "fire_at"}` (or the timer\'s own payload or body, headers, method, ' +
        'and the url as given with append_id false) and the headers `Idempotency-Key: {id}` ' +
        '(`{id}.v{version}` once a PATCH or a replay made it a new version), ' +
        '`Timer-Id`, `Timer-Fire-At` (the scheduled time), `Timer-Attempt` (1, 2, …), `Timer-Version` and `Timer-Lease` ' +
        '(grows with every claim: a receiver that remembers the highest it accepted can refuse a late ' +
        'request from a controller that lost its lease). Until it is sent a timer can be changed (PATCH) or ' +
        'canceled: a 200 means the old version will never be sent. ' +
        'Any 2xx is success; network errors, timeouts, 408, 429 and 5xx are retried with ' +
        'exponential back-off (a Retry-After on 429/503 is honoured up to the retry cap); other statuses, ' +
        '410 Gone included, fail at once. A failed timer can be replayed (POST /timers/{id}/retry); every ' +
        'attempt is listed by GET /timers/{id}/attempts. With tracing on, the webhook also carries a W3C ' +
        "`traceparent` (and `tracestate`): the receiver's spans continue the trace that created the timer." +
        (options.apiKeys
          ? ' Every /timers, /schedules and /flows operation needs an API key (`Authorization: Bearer <key>`): enter it under "Authorize".'
          : ''),
    },
    tags: TAGS,
    paths: {
      '/timers': {
        post: guarded(
          {
            summary: 'Create a timer',
            operationId: 'createTimer',
            tags: ['Timers'],
            description:
              'Stored durably before the answer. When it is due, a controller sends POST {url}/{id} (see the top of ' +
              'this page). Give a delay (hours, minutes, seconds) or fire_at, not both. With tracing on (README, ' +
              'Tracing), a W3C traceparent (and tracestate) header on this request is honoured: the timer keeps the ' +
              'trace, and its webhook carries a traceparent of that trace.',
            parameters: [idempotencyKeyParameter],
            requestBody: {
              required: true,
              content: { 'application/json': { schema: ref('CreateTimerRequest'), examples: createExamples } },
            },
            responses: {
              '200': {
                description:
                  'An earlier request with this Idempotency-Key and the same body created this timer (shown as it is now); nothing new was created.',
                headers: {
                  Location: { schema: { type: 'string' }, description: '/timers/{id}' },
                  'Idempotent-Replayed': { schema: { type: 'string', const: 'true' } },
                  ...etagHeader,
                },
                content: json(ref('Timer'), exampleTimer),
              },
              '201': {
                description: 'Created and stored durably before this answer.',
                headers: { Location: { schema: { type: 'string' }, description: '/timers/{id}' }, ...etagHeader },
                content: json(ref('Timer'), exampleTimer),
              },
              '409': errorResponse(
                'The Idempotency-Key was used in the last 24 hours with a different body.',
                'idempotency_key_reused',
              ),
              ...bodyErrors('Malformed JSON, invalid fields, or a url this service does not send to.'),
              '503': unavailable,
            },
          },
          options,
          quota,
        ),
        get: guarded(
          {
            summary: 'List timers, newest first',
            operationId: 'listTimers',
            tags: ['Timers'],
            description:
              'A page of up to `limit` timers; pass its `next_cursor` back as `cursor` for the next one. With ' +
              '`status`, only the timers in that status; with `label` (name:value, repeatable), only timers ' +
              'carrying every label given. Filters combine with each other and with the cursor.',
            parameters: [
              { name: 'status', in: 'query', schema: { type: 'string', enum: [...TIMER_STATUSES] } },
              listLabelParameter,
              ...listFilterParameters,
              ...pageParameters(20),
            ],
            responses: {
              '200': { description: 'A page of timers.', content: json(ref('TimerPage')) },
              '400': errorResponse('Invalid query.', 'validation_failed'),
              '503': unavailable,
            },
          },
          options,
        ),
        delete: cancelByLabelOperation(options),
      },
      ...batchPaths(options, quota),
      ...bulkPaths(options),
      '/timers/{id}': {
        parameters: [idParam],
        get: guarded(
          {
            summary: 'Get a timer',
            operationId: 'getTimer',
            tags: ['Timers'],
            description: 'The timer as it is now: its status, time_left, attempts and last_error.',
            responses: {
              '200': { description: 'The timer.', headers: etagHeader, content: json(ref('Timer'), exampleTimer) },
              '404': errorResponse('Unknown or malformed id.', 'timer_not_found'),
              '503': unavailable,
            },
          },
          options,
        ),
        ...timerChangeOperations(exampleTimer, options),
      },
      '/timers/{id}/attempts': {
        parameters: [idParam],
        get: guarded(
          {
            summary: "List a timer's delivery attempts, oldest first",
            operationId: 'listAttempts',
            tags: ['Timers'],
            description:
              'Every request a controller sent for this timer, with its answer or error, kept as long as the timer ' +
              '(RETENTION_DAYS after it finished). A timer skipped or canceled before its first attempt has none.',
            parameters: [...pageParameters(MAX_PAGE_SIZE)],
            responses: {
              '200': {
                description: 'A page of attempts.',
                content: json(ref('AttemptPage'), {
                  items: [
                    exampleAttempt,
                    {
                      ...exampleAttempt,
                      attempt: 2,
                      started_at: '2026-11-22T12:01:31.120Z',
                      finished_at: '2026-11-22T12:01:31.161Z',
                      duration_ms: 41,
                      status_code: 200,
                      error_class: null,
                      error: null,
                      outcome: 'delivered',
                      lateness_ms: 1,
                      lease_token: 2,
                    },
                  ],
                  next_cursor: null,
                }),
              },
              '400': errorResponse('Invalid query.', 'validation_failed'),
              '404': errorResponse('Unknown or malformed id.', 'timer_not_found'),
              '503': unavailable,
            },
          },
          options,
        ),
      },
      '/timers/{id}/retry': {
        parameters: [idParam],
        post: replayOperation(exampleTimer, options),
      },
      ...schedulePaths(options),
      ...flowPaths(options),
      ...adminPaths(options),
      ...dashboardPaths(options),
      '/ui/api/overview': {
        get: guarded(
          {
            summary: 'What the dashboard at /ui shows',
            operationId: 'dashboardOverview',
            tags: ['Dashboard'],
            description:
              'Timers per status (each counted up to count_cap), the pending timers due next, the newest delivery ' +
              'attempts of all timers, the failed timers, and the newest schedules. The page at /ui loads without a key ' +
              'and sends the one it is given as a Bearer token.',
            responses: {
              '200': { description: 'The overview.', content: json(ref('DashboardOverview')) },
              '503': unavailable,
            },
          },
          options,
        ),
      },
      '/healthz': {
        get: {
          summary: 'The process is alive',
          operationId: 'checkHealth',
          tags: ['Health'],
          description: 'For liveness probes: answers while the process serves requests, without asking the database.',
          responses: { '200': { description: 'Alive.', content: json(healthStatus('ok'), { status: 'ok' }) } },
        },
      },
      '/readyz': {
        get: {
          summary: 'The database is reachable',
          operationId: 'checkReadiness',
          tags: ['Health'],
          description: 'For readiness probes and load balancers: 200 while the database answers, else 503.',
          responses: {
            '200': { description: 'Ready.', content: json(healthStatus('ready'), { status: 'ready' }) },
            '503': unavailable,
          },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: bearerScheme },
      schemas: referenceComponents({
        CreateTimerRequest,
        PatchTimerRequest,
        CreateTimersBatchRequest,
        RetryPolicyRequest,
        Timer,
        TimerPage,
        TimersBatch,
        CanceledByLabel,
        BulkChangeRequest,
        BulkChangeAnswer,
        Attempt,
        AttemptPage,
        CreateScheduleRequest,
        PatchScheduleRequest,
        Schedule,
        SchedulePage,
        PutFlowRequest,
        Flow,
        FlowList,
        DashboardOverview,
        DeliveryChart,
        FleetView,
        CreateKeyRequest,
        ApiKeyView,
        CreatedKey,
        ApiKeyList,
        TenantView,
        TenantList,
        TenantLimitsRequest,
        NewSigningSecret,
        Error: ErrorResponse,
      }),
    },
    'x-error-codes': Object.fromEntries(
      Object.entries(ERROR_CATALOGUE).map(([code, e]) => [code, { status: e.status, message: e.message }]),
    ),
  };
}
