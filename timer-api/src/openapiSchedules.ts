/** The /schedules operations of the OpenAPI document (openapi.ts). */
import {
  bodyErrors,
  DocumentOptions,
  errorResponse,
  guarded,
  idParameter,
  json,
  noBodyErrors,
  noBodyRequest,
  pageParameters,
  ref,
  unavailable,
} from './openapiParts';

const idParam = idParameter('schedule', 'POST /schedules');

const exampleSchedule = {
  id: '019a9c4e-7d3a-7b21-9c1e-4f3a2b1c0d9f',
  cron: '*/5 * * * *',
  timezone: 'Europe/Berlin',
  url: 'https://example.com/hooks',
  paused: false,
  next_run_at: '2026-11-22T12:05:00.000Z',
  last_occurrence_at: null,
  on_late: 'skip',
  max_lateness_seconds: 60,
  labels: { team: 'billing' },
  callbacks: {},
  payload: { report: 'orders' },
  body: null,
  content_type: 'application/json',
  headers: ['X-Tenant'],
  method: 'POST',
  append_id: true,
  created_at: '2026-11-22T12:01:12.000Z',
  updated_at: '2026-11-22T12:01:12.000Z',
};

const notFound = errorResponse('Unknown or malformed id.', 'schedule_not_found');

function action(summary: string, operationId: string, description: string, example: object, options: DocumentOptions) {
  return {
    parameters: [idParam],
    post: guarded(
      {
        summary,
        operationId,
        tags: ['Schedules'],
        description,
        requestBody: noBodyRequest,
        responses: {
          '200': { description: 'The schedule as it is now.', content: json(ref('Schedule'), example) },
          ...noBodyErrors,
          '404': notFound,
          '503': unavailable,
        },
      },
      options,
    ),
  };
}

export function schedulePaths(options: DocumentOptions): Record<string, unknown> {
  return {
    '/schedules': {
      post: guarded(
        {
          summary: 'Create a recurring schedule',
          operationId: 'createSchedule',
          tags: ['Schedules'],
          description:
            'Each occurrence of the cron expression, read in the time zone, becomes a timer that fires like any ' +
            'other (same delivery, retries and guarantee), created once however many controllers run. ' +
            'on_late and max_lateness_seconds, as for a timer, are copied onto each occurrence: with "skip", an ' +
            'occurrence found later than that is skipped instead of sent. After downtime only the latest missed ' +
            'occurrence is created, and it follows that rule. Daylight saving time: a job at one fixed time of ' +
            'day that falls in a skipped hour runs at the first time after the gap, and once on a repeated hour; ' +
            'other jobs skip the times that do not exist and run twice in a repeated hour. A schedule counts ' +
            "toward its key's limits: MAX_SCHEDULES_PER_KEY, and MAX_PENDING_PER_KEY (a key at that cap cannot " +
            'add a schedule, and an occurrence due while the key is at it is recorded as skipped, not sent). ' +
            'A rule may not fire more often than MIN_SCHEDULE_INTERVAL_SECONDS. Labels are copied onto each ' +
            'occurrence, so GET and DELETE /timers?label=… find them.',
          requestBody: {
            required: true,
            content: json(ref('CreateScheduleRequest'), {
              cron: '*/5 * * * *',
              timezone: 'Europe/Berlin',
              url: 'https://example.com/hooks',
              on_late: 'skip',
              max_lateness_seconds: 60,
              labels: { team: 'billing' },
              payload: { report: 'orders' },
              headers: { 'X-Tenant': '7' },
            }),
          },
          responses: {
            '201': {
              description: 'Created.',
              headers: { Location: { schema: { type: 'string' }, description: '/schedules/{id}' } },
              content: json(ref('Schedule'), exampleSchedule),
            },
            ...bodyErrors(
              'Malformed JSON, an invalid expression, time zone or missed-fire rule, or a url this service does not send to.',
            ),
            '503': unavailable,
          },
        },
        options,
        [
          ...(options.pendingCap ? (['pending_quota_exceeded'] as const) : []),
          ...(options.scheduleCap ? (['schedule_quota_exceeded'] as const) : []),
        ],
      ),
      get: guarded(
        {
          summary: 'List schedules, newest first',
          operationId: 'listSchedules',
          tags: ['Schedules'],
          description: 'A page of up to `limit` schedules; pass its `next_cursor` back as `cursor` for the next one.',
          parameters: [...pageParameters(20)],
          responses: {
            '200': { description: 'A page of schedules.', content: json(ref('SchedulePage')) },
            '400': errorResponse('Invalid query.', 'validation_failed'),
            '503': unavailable,
          },
        },
        options,
      ),
    },
    '/schedules/{id}': {
      parameters: [idParam],
      get: guarded(
        {
          summary: 'Get a schedule',
          operationId: 'getSchedule',
          tags: ['Schedules'],
          description: 'The schedule as it is now, with its next occurrence (next_run_at).',
          responses: {
            '200': { description: 'The schedule.', content: json(ref('Schedule'), exampleSchedule) },
            '404': notFound,
            '503': unavailable,
          },
        },
        options,
      ),
      patch: guarded(
        {
          summary: 'Change a schedule',
          operationId: 'changeSchedule',
          tags: ['Schedules'],
          description:
            'Its cron, time zone, url or missed-fire rule; absent fields stay. The next occurrence is recomputed ' +
            'from the new rule (after now, and after the last occurrence already created). Occurrences already ' +
            'created as timers (up to SCHEDULE_LOOKAHEAD_MS ahead) keep what they had: change or cancel them with ' +
            '/timers/{id}. A paused schedule stays paused.',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: ref('PatchScheduleRequest'),
                examples: {
                  weekdays: {
                    summary: 'Weekdays at 9 in Berlin',
                    value: { cron: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' },
                  },
                  url: { summary: 'Another receiver', value: { url: 'https://example.com/hooks/v2' } },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Changed.',
              content: json(ref('Schedule'), {
                ...exampleSchedule,
                cron: '0 9 * * MON-FRI',
                timezone: 'Europe/Berlin',
              }),
            },
            ...bodyErrors('Malformed JSON, no or invalid fields, or a url this service does not send to.'),
            '404': notFound,
            '503': {
              ...errorResponse(
                'The database is unreachable, or controllers kept advancing the schedule under the request.',
                'service_unavailable',
                'request_timeout',
                'contended',
              ),
              headers: unavailable.headers,
            },
          },
        },
        options,
      ),
      delete: guarded(
        {
          summary: 'Delete a schedule',
          operationId: 'deleteSchedule',
          tags: ['Schedules'],
          description:
            'Its occurrences already created that have not started are canceled; those fired or being delivered ' +
            'stay, as timers with this schedule_id.',
          responses: { '204': { description: 'Deleted.' }, '404': notFound, '503': unavailable },
        },
        options,
      ),
    },
    '/schedules/{id}/pause': action(
      'Pause a schedule',
      'pauseSchedule',
      'No occurrence is created until it is resumed; occurrences already created that have not started are ' +
        'canceled. Pausing a paused schedule changes nothing.',
      { ...exampleSchedule, paused: true, next_run_at: null },
      options,
    ),
    '/schedules/{id}/resume': action(
      'Resume a paused schedule',
      'resumeSchedule',
      'Occurrences are created again from the first one after now: those that fell in the pause never fire. ' +
        'Resuming an active schedule changes nothing.',
      exampleSchedule,
      options,
    ),
  };
}
