/** The /flows operations of the OpenAPI document (openapi.ts). */
import {
  bodyErrors,
  DocumentOptions,
  errorResponse,
  guarded,
  json,
  noBodyErrors,
  noBodyRequest,
  ref,
  unavailable,
} from './openapiParts';

const keyParam = {
  name: 'key',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]{1,255}$' },
  description:
    "A timer's flow_key, or an origin (scheme://host:port, with its port: https://api.example.com:443), " +
    'URL-encoded in the path.',
  example: 'https%3A%2F%2Fapi.example.com%3A443',
};

const exampleFlow = {
  key: 'https://api.example.com:443',
  tenant: 'acme',
  default: false,
  parallelism: 5,
  rate: 50,
  burst: null,
  paused: false,
  waiting: 120,
  in_flight: 5,
  created_at: '2026-11-22T12:00:00.000Z',
  updated_at: '2026-11-22T12:00:00.000Z',
  origin: null,
};

const notFound = errorResponse('No flow has this key in this tenant.', 'flow_not_found');
const badKey = errorResponse('The key is not a flow key.', 'validation_failed');

function action(summary: string, operationId: string, description: string, example: object, options: DocumentOptions) {
  return {
    parameters: [keyParam],
    post: guarded(
      {
        summary,
        operationId,
        tags: ['Flows'],
        description,
        requestBody: noBodyRequest,
        responses: {
          '200': { description: 'The flow as it is now.', content: json(ref('Flow'), example) },
          ...noBodyErrors,
          '404': notFound,
          '503': unavailable,
        },
      },
      options,
    ),
  };
}

const exampleDefault = {
  ...exampleFlow,
  key: 'https://api.partner.example:443',
  tenant: null,
  default: true,
  parallelism: 5,
  rate: 50,
  waiting: 0,
  in_flight: 2,
};

export function flowPaths(options: DocumentOptions): Record<string, unknown> {
  return {
    '/flows': {
      get: guarded(
        {
          summary: 'List flows',
          operationId: 'listFlows',
          tags: ['Flows'],
          description:
            "A tenant's key: its tenant's flows (an admin key with X-Tenant: that tenant's). An admin key without " +
            "X-Tenant: every tenant's, each naming its tenant, and the origin defaults of FLOW_DEFAULTS (tenant " +
            "null, default true). By key, then tenant; at most 500. Each with its origin's state, as GET /flows/{key}.",
          responses: {
            '200': {
              description: 'The flows.',
              content: json(ref('FlowList'), { items: [exampleFlow, exampleDefault] }),
            },
            '503': unavailable,
          },
        },
        options,
      ),
    },
    '/flows/{key}': {
      parameters: [keyParam],
      put: guarded(
        {
          summary: "Set a flow's limits",
          operationId: 'putFlow',
          tags: ['Flows'],
          description:
            'Limits on how fast the whole fleet sends the timers of this flow (those naming it in flow_key, or, for ' +
            'an origin, those whose url has it and name no flow_key): parallelism (requests in flight at once) and ' +
            "rate (requests a second, with a burst). The flow is the tenant's (of the key, or the one X-Tenant names). A due timer of a flow at its " +
            'limit waits in the database (GET /timers/{id} says waiting: flow_limit) and goes, oldest first, when ' +
            'the flow has capacity; timers of other flows are not held up. Takes effect within POLL_INTERVAL_MS.',
          requestBody: { required: true, content: json(ref('PutFlowRequest'), { parallelism: 5, rate: 50 }) },
          responses: {
            '200': { description: 'The flow as it is now.', content: json(ref('Flow'), exampleFlow) },
            ...bodyErrors('Malformed JSON, a limit out of range, burst without rate, or a key that is not one.'),
            '503': unavailable,
          },
        },
        options,
      ),
      get: guarded(
        {
          summary: 'Get a flow',
          operationId: 'getFlow',
          tags: ['Flows'],
          description:
            'Its limits, whether it is paused, its timers due and waiting, and its requests in flight. An admin key ' +
            "without X-Tenant reads any tenant's, else the origin's default (FLOW_DEFAULTS).",
          responses: {
            '200': { description: 'The flow.', content: json(ref('Flow'), exampleFlow) },
            '400': badKey,
            '404': notFound,
            '503': unavailable,
          },
        },
        options,
      ),
      delete: guarded(
        {
          summary: "Remove a flow's limits",
          operationId: 'deleteFlow',
          tags: ['Flows'],
          description:
            "Removes the tenant's flow (of the key, or the one X-Tenant names): its timers waiting on it go again, " +
            'oldest first, at full speed, or within the default of their origin (FLOW_DEFAULTS) if there is one; ' +
            'a paused flow so resumes. Requests in flight finish. A default of FLOW_DEFAULTS is not deleted here.',
          responses: { '204': { description: 'Deleted.' }, '400': badKey, '404': notFound, '503': unavailable },
        },
        options,
      ),
    },
    '/flows/{key}/pause': action(
      'Pause a flow',
      'pauseFlow',
      'Its due timers wait (waiting: paused) until it is resumed, then go oldest first within its limits. ' +
        'A flow not yet set is created, paused, without limits.',
      { ...exampleFlow, paused: true, in_flight: 0 },
      options,
    ),
    '/flows/{key}/resume': action(
      'Resume a flow',
      'resumeFlow',
      'Its waiting timers go again, oldest first, within its limits.',
      exampleFlow,
      options,
    ),
  };
}
