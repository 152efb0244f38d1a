/**
 * The OpenAPI parts of the bulk actions (POST /timers/retry, POST /timers/cancel)
 * and of GET /timers' filters beyond status and label, which the dashboard's
 * lists and its selection use.
 */
import { MAX_BULK_IDS } from './bulkSchemas';
import { DocumentOptions, errorResponse, guarded, json, ref, unavailable } from './openapiParts';
import { HOST_PATTERN } from './schemas';

const exampleId = '019a9c4e-7d3a-7b21-9c1e-4f3a2b1c0d9e';
const otherId = '019a9c4e-9e01-7c44-8a2b-11d0c3e4f5a6';

/** GET /timers: the filters besides status, label and the page. */
export const listFilterParameters = [
  {
    name: 'id_prefix',
    in: 'query',
    description: 'Only timers whose id starts with this (hex digits and hyphens, any case): the dashboard search.',
    schema: { type: 'string', minLength: 1, maxLength: 36, pattern: '^[0-9a-fA-F-]+$' },
    example: '0190f3a2',
  },
  {
    name: 'retrying',
    in: 'query',
    description: 'true: only timers waiting for a retry (attempts > 0); false: only those not tried yet.',
    schema: { type: 'boolean' },
  },
  {
    name: 'schedule_id',
    in: 'query',
    description: "Only this schedule's occurrences.",
    schema: { type: 'string', format: 'uuid' },
  },
  {
    name: 'flow',
    in: 'query',
    description:
      "Only timers of this flow: a timer's own flow_key, or an origin (https://host or https://host:443, the " +
      'default port added), the flow of every timer created by POST /timers without a flow_key. Schedule ' +
      'occurrences are found by schedule_id.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]{1,255}$' },
    example: 'https://example.com:443',
  },
  {
    name: 'host',
    in: 'query',
    description:
      "Only timers sent to this host whose flow is their url's origin, over https and http alike (with :port, that " +
      "port; without, each scheme's default): the dashboard's search by host. Timers with a flow_key of their own " +
      'are found by that flow. Not with flow.',
    schema: { type: 'string', minLength: 1, maxLength: 261, pattern: HOST_PATTERN },
    example: 'api.partner.example',
  },
];

const bulkBody = (what: string) => ({
  required: true,
  content: {
    'application/json': {
      schema: ref('BulkChangeRequest'),
      examples: {
        ids: { summary: `Up to ${MAX_BULK_IDS} ids`, value: { ids: [exampleId, otherId] } },
        label: { summary: `The ${what} timers carrying a label`, value: { label: 'campaign:7' } },
      },
    },
  },
});

const bulkErrors = {
  '400': errorResponse(
    `Neither ids nor label, both, more than ${MAX_BULK_IDS} ids, a label that is not name:value, or malformed JSON.`,
    'validation_failed',
    'invalid_json',
  ),
  '413': errorResponse('Body over the size limit.', 'payload_too_large'),
  '415': errorResponse('Body is not application/json.', 'unsupported_media_type'),
  '503': unavailable,
};

export function bulkPaths(options: DocumentOptions) {
  return {
    '/timers/retry': {
      post: guarded(
        {
          summary: 'Replay failed timers in bulk',
          operationId: 'retryTimers',
          tags: ['Timers'],
          description:
            `Each timer, up to ${MAX_BULK_IDS} ids or the failed timers carrying \`label\` (${MAX_BULK_IDS} a call, ` +
            'newest first), is replayed as POST /timers/{id}/retry would: back to pending, due now, with a fresh ' +
            "series of attempts, in the caller's tenant. One timer's refusal is its own result (not_retryable, " +
            "not_found…), not the call's: the answer is 200 with a result per timer. Safe to repeat: a timer " +
            'replayed already is pending, so not_retryable.',
          requestBody: bulkBody('failed'),
          responses: {
            '200': {
              description: 'A result per timer.',
              content: json(ref('BulkChangeAnswer'), {
                results: [
                  { id: exampleId, outcome: 'replayed', status: 'pending', version: 4 },
                  { id: otherId, outcome: 'not_retryable' },
                ],
                more: false,
              }),
            },
            ...bulkErrors,
          },
        },
        options,
      ),
    },
    '/timers/cancel': {
      post: guarded(
        {
          summary: 'Cancel timers in bulk',
          operationId: 'cancelTimers',
          tags: ['Timers'],
          description:
            `Each timer, up to ${MAX_BULK_IDS} ids or the pending timers carrying \`label\` (${MAX_BULK_IDS} a call, ` +
            'oldest first, as DELETE /timers?label=… does), is canceled as DELETE /timers/{id} would: a timer ' +
            'answered canceled will never be sent; one a controller holds ahead of its time is asked back first ' +
            "(started if its request has or may have started). In the caller's tenant. The answer is 200 with a " +
            'result per timer. Safe to repeat.',
          requestBody: bulkBody('pending'),
          responses: {
            '200': {
              description: 'A result per timer.',
              content: json(ref('BulkChangeAnswer'), {
                results: [
                  { id: exampleId, outcome: 'canceled', status: 'canceled', version: 2 },
                  { id: otherId, outcome: 'not_cancelable' },
                ],
                more: false,
              }),
            },
            ...bulkErrors,
          },
        },
        options,
      ),
    },
  };
}
