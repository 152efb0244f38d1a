/**
 * The OpenAPI 3.1 document, assembled from the same schema objects that validate
 * requests (schemas.ts). Served at /openapi.json and rendered by Swagger UI at /docs.
 */
import {
  ErrorResponse,
  CreateScheduleRequest,
  CreateTimerRequest,
  DashboardOverview,
  Schedule,
  SchedulePage,
  Timer,
  TimerPage,
  MAX_PAGE_SIZE,
} from './schemas';
import { ERROR_CATALOGUE, ErrorCode } from './errors';
import { TIMER_STATUSES } from '@timer/shared';
import { bearerScheme, DocumentOptions, errorResponse, guarded, json, ref, unavailable } from './openapiParts';
import { schedulePaths } from './openapiSchedules';

export type { DocumentOptions };

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
  description: 'The timer id returned by POST /timers.',
};

const exampleTimer = {
  id: '019a9c4e-7d3a-7b21-9c1e-4f3a2b1c0d9e',
  status: 'pending',
  url: 'https://example.com/hooks',
  time_left: 90,
  fire_at: '2026-11-22T12:01:30.000Z',
  created_at: '2026-11-22T12:00:00.000Z',
  fired_at: null,
  attempts: 0,
  last_error: null,
  schedule_id: null,
};

export function buildOpenApiDocument(version: string, options: DocumentOptions = {}): Record<string, unknown> {
  const quota: ErrorCode[] = options.pendingCap ? ['pending_quota_exceeded'] : [];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Timer service',
      version,
      description:
        'Schedule a webhook: the service stores the timer durably and, when it is due, sends ' +
        '`POST {url}/{id}` with body `{"id", "fire_at"}` and an `Idempotency-Key: {id}` header. ' +
        'Any 2xx is success; network errors, timeouts, 408, 429 and 5xx are retried with ' +
        'exponential back-off; other statuses fail at once.' +
        (options.apiKeys
          ? ' Every /timers and /schedules operation needs an API key (`Authorization: Bearer <key>`): enter it under "Authorize".'
          : ''),
    },
    paths: {
      '/timers': {
        post: guarded(
          {
            summary: 'Create a timer',
            operationId: 'createTimer',
            requestBody: {
              required: true,
              content: json(ref('CreateTimerRequest'), {
                hours: 0,
                minutes: 1,
                seconds: 30,
                url: 'https://example.com/hooks',
              }),
            },
            responses: {
              '201': {
                description: 'Created and stored durably before this answer.',
                headers: { Location: { schema: { type: 'string' }, description: '/timers/{id}' } },
                content: json(ref('Timer'), exampleTimer),
              },
              '400': errorResponse(
                'Malformed JSON, invalid fields, or a url this service does not send to.',
                'validation_failed',
                'invalid_json',
                'bad_request',
                'webhook_target_refused',
                'webhook_host_unresolvable',
              ),
              '413': errorResponse('Body over the size limit.', 'payload_too_large'),
              '415': errorResponse('Body is not application/json.', 'unsupported_media_type'),
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
            parameters: [
              { name: 'status', in: 'query', schema: { type: 'string', enum: [...TIMER_STATUSES] } },
              {
                name: 'limit',
                in: 'query',
                schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 },
              },
              {
                name: 'cursor',
                in: 'query',
                schema: { type: 'string' },
                description: 'next_cursor from the previous page.',
              },
            ],
            responses: {
              '200': { description: 'A page of timers.', content: json(ref('TimerPage')) },
              '400': errorResponse('Invalid query.', 'validation_failed'),
              '503': unavailable,
            },
          },
          options,
        ),
      },
      '/timers/{id}': {
        parameters: [idParameter],
        get: guarded(
          {
            summary: 'Get a timer',
            operationId: 'getTimer',
            responses: {
              '200': { description: 'The timer.', content: json(ref('Timer'), exampleTimer) },
              '404': errorResponse('Unknown or malformed id.', 'timer_not_found'),
              '503': unavailable,
            },
          },
          options,
        ),
        delete: guarded(
          {
            summary: 'Cancel a pending timer',
            operationId: 'cancelTimer',
            responses: {
              '200': {
                description: 'Canceled: it will never fire.',
                content: json(ref('Timer'), { ...exampleTimer, status: 'canceled', time_left: 0 }),
              },
              '404': errorResponse('Unknown or malformed id.', 'timer_not_found'),
              '409': errorResponse('Already firing, fired, failed or canceled.', 'timer_not_cancelable'),
              '503': unavailable,
            },
          },
          options,
        ),
      },
      ...schedulePaths(options),
      '/ui/api/overview': {
        get: guarded(
          {
            summary: 'What the dashboard at /ui shows',
            operationId: 'dashboardOverview',
            description:
              'Timers per status (each counted up to count_cap), the pending timers due next, the newest fired ' +
              'and failed timers, the failed ones, and the newest schedules. The page at /ui loads without a key ' +
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
        get: { summary: 'The process is alive', responses: { '200': { description: 'Alive.' } } },
      },
      '/readyz': {
        get: {
          summary: 'The database is reachable',
          responses: { '200': { description: 'Ready.' }, '503': unavailable },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: bearerScheme },
      schemas: {
        CreateTimerRequest,
        Timer,
        TimerPage,
        CreateScheduleRequest,
        Schedule,
        SchedulePage,
        DashboardOverview,
        Error: ErrorResponse,
      },
    },
    'x-error-codes': Object.fromEntries(
      Object.entries(ERROR_CATALOGUE).map(([code, e]) => [code, { status: e.status, message: e.message }]),
    ),
  };
}
