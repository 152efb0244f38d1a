/**
 * The shapes of the bulk actions, POST /timers/retry and POST /timers/cancel,
 * defined once for validation and the OpenAPI document, as schemas.ts does for
 * the rest.
 */
import { Type, Static } from '@sinclair/typebox';
import { LABEL_LIMITS } from './schemas';

/** Most ids one bulk call takes, and most timers one call by label acts on. */
export const MAX_BULK_IDS = 100;

const labelTerm = Type.String({ minLength: 3, maxLength: 200 });

export const BulkChangeRequest = Type.Object(
  {
    ids: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 1,
        maxItems: MAX_BULK_IDS,
        description: `The timers to act on, at most ${MAX_BULK_IDS}; a repeated id is acted on once.`,
        examples: [['019a9c4e-7d3a-7b21-9c1e-4f3a2b1c0d9e']],
      }),
    ),
    label: Type.Optional(
      Type.Union([labelTerm, Type.Array(labelTerm, { minItems: 1, maxItems: LABEL_LIMITS.pairs })], {
        description:
          `Instead of ids: the timers carrying this label (name:value; a list: every one), at most ${MAX_BULK_IDS} ` +
          'per call, oldest first. Repeat the call while `more` is true.',
        examples: ['campaign:7'],
      }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    description: 'Either `ids` or `label`, not both.',
  },
);
export type BulkChangeRequest = Static<typeof BulkChangeRequest>;

export const BULK_OUTCOMES = [
  'replayed',
  'canceled',
  'not_found',
  'not_retryable',
  'not_cancelable',
  'started',
  'holder_unreachable',
  'contended',
] as const;
export type BulkOutcome = (typeof BULK_OUTCOMES)[number];

export const BulkChangeResult = Type.Object({
  id: Type.String({ description: 'As sent (ids), or as found (label).' }),
  outcome: Type.Unsafe<BulkOutcome>({
    type: 'string',
    enum: [...BULK_OUTCOMES],
    description:
      'replayed / canceled: done, under the contract of the single-timer call (a canceled timer will never be ' +
      'sent). not_found: unknown, malformed, or another tenant’s. not_retryable: not failed. not_cancelable: not ' +
      'pending. started: its request has started or may have. holder_unreachable, contended: nothing changed; ' +
      'try again.',
  }),
  status: Type.Optional(Type.String({ description: "The timer's status after this call, when it was found." })),
  version: Type.Optional(Type.Integer({ description: "The timer's version after this call (its ETag's number)." })),
});
export type BulkChangeResult = Static<typeof BulkChangeResult>;

export const BulkChangeAnswer = Type.Object({
  results: Type.Array(BulkChangeResult, {
    description: 'One per distinct id, in the order sent (label: oldest first).',
  }),
  more: Type.Boolean({
    description: 'By label: more matching timers are left to act on; repeat the call. With ids: always false.',
  }),
});
export type BulkChangeAnswer = Static<typeof BulkChangeAnswer>;
