/**
 * The OpenAPI operations that change a timer after it was created: PATCH, cancel
 * and replay, under one contract (domain/changes.ts), with the ETag they answer
 * and the If-Match that makes them conditional.
 */
import { bodyErrors, errorResponse, guarded, json, noBodyErrors, noBodyRequest, ref } from './openapiParts';
import type { DocumentOptions } from './openapiParts';

export const etagHeader = {
  ETag: {
    schema: { type: 'string' },
    description: 'W/"{version}": send it back in If-Match to change or cancel only this version.',
    example: 'W/"2"',
  },
};

const ifMatchParameter = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description:
    'An ETag from an earlier answer (W/"3" or "3"; a list; or *): the request applies only if the timer is still ' +
    'at that version, else 412 precondition_failed and nothing changes.',
};

const holderErrors = {
  '409': errorResponse(
    'Its request has started or may have started (a controller is sending it, or holds it and cannot be asked), or ' +
      'the timer is in a status this operation does not apply to.',
    'timer_started',
    'timer_not_cancelable',
    'timer_not_changeable',
    'timer_not_retryable',
  ),
  '412': errorResponse('If-Match names another version than the current one.', 'precondition_failed'),
  '503': {
    ...errorResponse(
      'The controller holding the timer ahead of its time did not answer (Retry-After is no longer than what is ' +
        'left of its lease), the timer kept changing, or the database is unreachable. Nothing was changed.',
      'holder_unreachable',
      'contended',
      'service_unavailable',
      'request_timeout',
    ),
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } },
  },
};

const CONTRACT =
  'A 200 means the old version of the timer will never be sent; 409 timer_started means its request has started, ' +
  'or may have. A timer a controller holds ahead of its due time is asked back from that controller first.';

export function timerChangeOperations(exampleTimer: Record<string, unknown>, options: DocumentOptions) {
  const changed = {
    ...exampleTimer,
    fire_at: '2026-11-22T12:05:00.000Z',
    next_attempt_at: '2026-11-22T12:05:00.000Z',
    time_left: 300,
    version: 2,
  };
  return {
    patch: guarded(
      {
        summary: 'Change a pending (or failed) timer',
        operationId: 'changeTimer',
        tags: ['Timers'],
        description:
          `${CONTRACT} Absent fields stay; \`retry\` is merged field by field (null: the service's setting). ` +
          'A new fire time (fire_at, or hours/minutes/seconds from now) moves it earlier or later. A failed ' +
          'timer stays failed (replay it with POST /timers/{id}/retry); its fire time cannot change. Schedule ' +
          'occurrences are timers like any other.',
        parameters: [ifMatchParameter],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ref('PatchTimerRequest'),
              examples: {
                later: { summary: 'Five minutes from now', value: { minutes: 5 } },
                elsewhere: {
                  summary: 'Another time and URL',
                  value: { fire_at: '2026-11-22T12:05:00Z', url: 'https://example.com/hooks/v2' },
                },
                retry: {
                  summary: 'Three attempts, the default first delay',
                  value: { retry: { max_attempts: 3, base_ms: null } },
                },
              },
            },
          },
        },
        responses: {
          '200': { description: 'Changed: a new version.', headers: etagHeader, content: json(ref('Timer'), changed) },
          ...bodyErrors('Malformed JSON, invalid or no fields, or a url this service does not send to.'),
          '404': errorResponse('Unknown or malformed id.', 'timer_not_found'),
          ...holderErrors,
        },
      },
      options,
    ),
    delete: guarded(
      {
        summary: 'Cancel a pending timer',
        operationId: 'cancelTimer',
        tags: ['Timers'],
        description: `${CONTRACT} Fired, failed, skipped and canceled timers answer 409 timer_not_cancelable.`,
        parameters: [ifMatchParameter],
        responses: {
          '200': {
            description: 'Canceled: it will never fire.',
            headers: etagHeader,
            content: json(ref('Timer'), {
              ...exampleTimer,
              status: 'canceled',
              next_attempt_at: null,
              time_left: 0,
              version: 2,
            }),
          },
          '404': errorResponse('Unknown or malformed id.', 'timer_not_found'),
          ...holderErrors,
        },
      },
      options,
    ),
  };
}

export function replayOperation(exampleTimer: Record<string, unknown>, options: DocumentOptions) {
  return guarded(
    {
      summary: 'Replay a failed timer',
      operationId: 'retryTimer',
      tags: ['Timers'],
      description:
        'Puts a failed timer back to pending, due now, for a new series of attempts: `attempts` starts again ' +
        'at 0 and its retry policy applies afresh; the history keeps the earlier attempts, and the numbers of ' +
        'the new ones go on from them. A replay is a new version (Idempotency-Key `{id}.v{version}`). ' +
        'Controllers are nudged at once. No request body (or `{}`).',
      parameters: [ifMatchParameter],
      requestBody: noBodyRequest,
      responses: {
        ...noBodyErrors,
        '200': {
          description: 'Pending again, due now.',
          headers: etagHeader,
          content: json(ref('Timer'), {
            ...exampleTimer,
            time_left: 0,
            attempts: 0,
            last_error: 'HTTP 503',
            version: 2,
          }),
        },
        '404': errorResponse('Unknown or malformed id.', 'timer_not_found'),
        ...holderErrors,
      },
    },
    options,
  );
}
