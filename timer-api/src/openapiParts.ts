/** The pieces every operation of the OpenAPI document is built from (openapi.ts). */
import { ERROR_CATALOGUE, ErrorCode } from './errors';
import { MAX_PAGE_SIZE } from './schemas';

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: object, example?: unknown) => ({
  'application/json': { schema, ...(example === undefined ? {} : { example }) },
});

/** Swagger UI's sections, in this order; each operation names its own in `tags`. */
export const TAGS = [
  { name: 'Timers', description: 'One webhook, sent once when it is due.' },
  { name: 'Schedules', description: 'Recurring webhooks: each occurrence of a cron expression becomes a timer.' },
  { name: 'Flows', description: 'Limits per destination across the fleet: parallelism, rate, pause.' },
  { name: 'Dashboard', description: 'What the dashboard at /ui shows.' },
  { name: 'Admin', description: 'API keys and tenants; an admin key only.' },
  { name: 'Health', description: 'Probes for orchestrators and load balancers; no API key needed.' },
];

/**
 * The component schemas, with every copy of one inside another replaced by a
 * reference to it. TypeBox copies a schema into each schema built from it (TimerPage
 * holds a copy of Timer); a reader of the document, and a client generator, should
 * meet one named Timer instead. Copies are found by their JSON, so nothing here needs
 * to know which schema uses which.
 */
export function referenceComponents(schemas: Record<string, object>): Record<string, unknown> {
  const nameOf = new Map(Object.entries(schemas).map(([name, schema]) => [JSON.stringify(schema), name]));
  const replaceCopies = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(replaceCopies);
    if (value === null || typeof value !== 'object') return value;
    const name = nameOf.get(JSON.stringify(value));
    if (name) return ref(name);
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, replaceCopies(v)]));
  };
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [
      name,
      Object.fromEntries(Object.entries(schema).map(([key, v]) => [key, replaceCopies(v)])),
    ]),
  );
}

export function errorResponse(description: string, ...codes: ErrorCode[]) {
  return {
    description: `${description} Codes: ${codes.join(', ')}.`,
    content: json(ref('Error'), {
      error: { code: codes[0], message: ERROR_CATALOGUE[codes[0]].message },
    }),
  };
}

export const unavailable = {
  ...errorResponse(
    'The database is unreachable, or the answer took longer than REQUEST_TIMEOUT_MS. Retry after the Retry-After header.',
    'service_unavailable',
    'request_timeout',
  ),
  headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } },
};

/** What this deployment enforces, so the document says what a client will meet. */
export interface DocumentOptions {
  /** The api may ask for keys (always, since keys can be made at run time): operations need a Bearer key. */
  apiKeys?: boolean;
  /** RATE_LIMIT_PER_SECOND is set. */
  rateLimited?: boolean;
  /** MAX_PENDING_PER_KEY is set. */
  pendingCap?: boolean;
  /** MAX_SCHEDULES_PER_KEY is set. */
  scheduleCap?: boolean;
}

export const bearerScheme = {
  type: 'http',
  scheme: 'bearer',
  description:
    'An API key, sent as `Authorization: Bearer <key>`. Needed once the server has any key (API_KEYS, ' +
    'ADMIN_API_KEYS, or keys made with `npm run keys`). A key belongs to a tenant and sees only its ' +
    'timers and schedules; its scope is read, write or admin. An admin key may name the tenant it acts in ' +
    'with `X-Tenant`. Swagger UI sends the key after you enter it under "Authorize".',
};

/** Adds what authentication and rate limits answer to one /timers or /schedules operation. */
export function guarded(operation: Record<string, unknown>, options: DocumentOptions, codes429: ErrorCode[] = []) {
  const responses = { ...(operation.responses as Record<string, unknown>) };
  if (options.apiKeys) {
    responses['401'] = {
      ...errorResponse('No API key, or not a valid one.', 'unauthorized'),
      headers: { 'WWW-Authenticate': { schema: { type: 'string' }, description: 'Bearer realm="timer-service"' } },
    };
    responses['403'] = errorResponse(
      "The key's scope does not allow this (read keys only read; /admin needs admin), or X-Tenant from a non-admin key.",
      'insufficient_scope',
    );
  }
  const limits: ErrorCode[] = [...(options.rateLimited ? (['rate_limited'] as const) : []), ...codes429];
  if (limits.length > 0) {
    responses['429'] = {
      ...errorResponse(
        "Over the rate limit (with Retry-After), or at one of the key's caps (pending timers, schedules).",
        ...limits,
      ),
      headers: {
        'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait (rate_limited only).' },
      },
    };
  }
  return {
    ...operation,
    ...(options.apiKeys ? { security: [{ bearerAuth: [] }] } : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The path's `{id}`: a UUID returned when the resource was created. */
export function idParameter(resource: string, createdBy: string) {
  return {
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string', format: 'uuid' },
    description: `The ${resource} id returned by ${createdBy}.`,
  };
}

/** `limit` and `cursor`, for a list read page by page. */
export function pageParameters(defaultLimit: number) {
  return [
    {
      name: 'limit',
      in: 'query',
      schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: defaultLimit },
    },
    { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor from the previous page.' },
  ];
}

/** What a JSON body can be refused for: the 400 (described per operation), 413 and 415. */
/** An action that takes no body: none, or an empty JSON object (what some clients always send). */
export const noBodyRequest = {
  required: false,
  description: 'None, or `{}`.',
  content: { 'application/json': { schema: { type: 'object', maxProperties: 0 }, example: {} } },
};

/** What an action that takes no body answers to one: a body other than {} is a 400. */
export const noBodyErrors = {
  '400': errorResponse('A request body other than {} (this action takes none).', 'validation_failed', 'invalid_json'),
  '413': errorResponse('Body over the size limit.', 'payload_too_large'),
  '415': errorResponse('A body that is not application/json.', 'unsupported_media_type'),
};

export function bodyErrors(invalid: string) {
  return {
    '400': errorResponse(
      invalid,
      'validation_failed',
      'invalid_json',
      'bad_request',
      'webhook_target_refused',
      'webhook_host_unresolvable',
    ),
    '413': errorResponse('Body over the size limit.', 'payload_too_large'),
    '415': errorResponse('Body is not application/json.', 'unsupported_media_type'),
  };
}

/** A timer as GET /timers/{id} shows it: the example of every answer that carries one. */
export const exampleTimer = {
  id: '019a9c4e-7d3a-7b21-9c1e-4f3a2b1c0d9e',
  status: 'pending',
  url: 'https://example.com/hooks',
  time_left: 90,
  fire_at: '2026-11-22T12:01:30.000Z',
  next_attempt_at: '2026-11-22T12:01:30.000Z',
  created_at: '2026-11-22T12:00:00.000Z',
  fired_at: null,
  attempts: 0,
  last_error: null,
  retry: { max_attempts: null, base_ms: null, max_ms: null },
  on_late: 'fire',
  max_lateness_seconds: null,
  schedule_id: null,
  version: 1,
  labels: {},
  callbacks: {},
  body: null,
  content_type: null,
  headers: [],
  method: 'POST',
  append_id: true,
  flow_key: 'https://example.com:443',
  waiting: null,
};
