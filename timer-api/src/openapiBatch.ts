/** The OpenAPI parts of timers in bulk: POST /timers/batch, the label filter, DELETE /timers?label=…. */
import type { ErrorCode } from './errors';
import { LABEL_LIMITS } from './schemas';
import {
  DocumentOptions,
  bodyErrors,
  errorResponse,
  exampleTimer,
  guarded,
  json,
  noBodyErrors,
  noBodyRequest,
  ref,
  unavailable,
} from './openapiParts';

const labelQuery = (description: string, required: boolean) => ({
  name: 'label',
  in: 'query',
  required,
  description: `${description} Repeat it (up to ${LABEL_LIMITS.pairs}) and a timer must carry every one.`,
  schema: { type: 'array', items: { type: 'string', minLength: 3, maxLength: 200 }, maxItems: LABEL_LIMITS.pairs },
  style: 'form',
  explode: true,
  example: ['order:42'],
});

/** GET /timers: only timers with these labels. */
export const listLabelParameter = labelQuery('Only timers carrying this label, as `name:value`.', false);

export function cancelByLabelOperation(options: DocumentOptions) {
  return guarded(
    {
      summary: 'Cancel pending timers by label',
      operationId: 'cancelTimersByLabel',
      tags: ['Timers'],
      description:
        'Cancels the pending timers carrying every `label` given, oldest first, at most `limit` (and at most ' +
        'MAX_CANCEL_PER_CALL, default 1,000) in one call, under the contract of DELETE /timers/{id}: each timer ' +
        'counted in `canceled` will never be sent. Repeat the call until `remaining` is 0. At least one label is ' +
        'required. No request body.',
      parameters: [
        labelQuery('Cancel timers carrying this label, as `name:value`.', true),
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1 },
          description: 'At most this many cancels (default and upper bound MAX_CANCEL_PER_CALL).',
        },
      ],
      requestBody: noBodyRequest,
      responses: {
        ...noBodyErrors,
        '200': {
          description: 'What this call canceled, and what is left.',
          content: json(ref('CanceledByLabel'), { canceled: 1000, not_cancelable: 3, remaining: 250 }),
        },
        '400': errorResponse('No label, a label that is not name:value, or a body.', 'validation_failed'),
        '503': unavailable,
      },
    },
    options,
  );
}

const exampleItem = { ...exampleTimer, labels: { campaign: '7' } };

export function batchPaths(options: DocumentOptions, quota: ErrorCode[]) {
  return {
    '/timers/batch': {
      post: guarded(
        {
          summary: 'Create timers in a batch',
          operationId: 'createTimersBatch',
          tags: ['Timers'],
          description:
            'Up to MAX_BATCH_SIZE (default 1,000) timers, each item the body of POST /timers, stored in one ' +
            'transaction: all of them or none. Every item is checked first; a 400 names each bad item by its index ' +
            '(`timers[3]: …`, detail path `timers.3.url`). The body may be up to BATCH_BODY_LIMIT_BYTES (default ' +
            '16 MiB). With an Idempotency-Key the whole batch is safe to repeat: the same key and body within 24 hours ' +
            'answers 200 with the same timers, nothing new. MAX_PENDING_PER_KEY counts the batch as its size.',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: {
                type: 'string',
                minLength: 1,
                maxLength: 255,
                pattern: '^[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?$',
              },
              description:
                'Optional: makes the batch safe to repeat; the key then names the whole set of timers. Keys are per ' +
                'API key, shared with POST /timers (a key used for one cannot be reused for the other within 24 hours).',
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('CreateTimersBatchRequest') } },
          },
          responses: {
            '200': {
              description: 'An earlier request with this Idempotency-Key and the same body created these timers.',
              headers: { 'Idempotent-Replayed': { schema: { type: 'string', const: 'true' } } },
              content: json(ref('TimersBatch'), { timers: [exampleItem] }),
            },
            '201': {
              description: 'All created and stored durably before this answer, in the order of the request.',
              content: json(ref('TimersBatch'), { timers: [exampleItem] }),
            },
            '409': errorResponse(
              'The Idempotency-Key was used in the last 24 hours with a different body.',
              'idempotency_key_reused',
            ),
            ...bodyErrors('Malformed JSON, more than MAX_BATCH_SIZE items, or items with invalid fields (each named).'),
            '503': unavailable,
          },
        },
        options,
        quota,
      ),
    },
  };
}
