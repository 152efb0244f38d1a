/**
 * The shapes of the admin endpoints (/admin/keys, /admin/tenants), defined once
 * for validation and the OpenAPI document, as schemas.ts does for the rest.
 */
import { Type, Static } from '@sinclair/typebox';
import { SCOPES } from '@timer/shared';

const tenantName = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
  description: 'Lower-case letters, digits, - and _, starting with a letter or digit; at most 64.',
  examples: ['acme'],
});

const scope = Type.Unsafe<(typeof SCOPES)[number]>({
  type: 'string',
  enum: [...SCOPES],
  description: 'read: reads its tenant. write: also creates, changes, cancels, replays. admin: every tenant, keys.',
});

export const CreateKeyRequest = Type.Object(
  { tenant: tenantName, scope },
  { additionalProperties: false, description: 'A new API key of a tenant (made on first use).' },
);
export type CreateKeyRequest = Static<typeof CreateKeyRequest>;

const time = (description: string) => Type.String({ format: 'date-time', description });
const maybeTime = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description });

export const ApiKeyView = Type.Object({
  id: Type.String({ description: 'key_<16 hex of its SHA-256>: what logs and revocation name it by.' }),
  tenant: tenantName,
  scope,
  created_at: time('When it was made.'),
  last_used_at: maybeTime('When a request last came with it (to about a second); null if never.'),
  revoked_at: maybeTime('When it was revoked; null while it works.'),
});
export type ApiKeyView = Static<typeof ApiKeyView>;

export const CreatedKey = Type.Intersect([
  ApiKeyView,
  Type.Object({ key: Type.String({ description: 'The key itself. Shown this once: only its digest is stored.' }) }),
]);
export type CreatedKey = Static<typeof CreatedKey>;

export const ApiKeyList = Type.Object({ items: Type.Array(ApiKeyView) });
export type ApiKeyList = Static<typeof ApiKeyList>;

export const ListKeysQuery = Type.Object({ tenant: Type.Optional(tenantName) }, { additionalProperties: false });
export type ListKeysQuery = Static<typeof ListKeysQuery>;

const limit = (description: string) =>
  Type.Union([Type.Integer({ minimum: 0, maximum: 10_000_000 }), Type.Null()], { description });

export const TenantView = Type.Object({
  name: tenantName,
  max_pending: limit("Timers waiting to fire; null: the service's MAX_PENDING_PER_KEY; 0: no cap."),
  creates_per_second: limit("Creates per second across the fleet; null: the service's CREATES_PER_SECOND; 0: no cap."),
  signing_secrets: Type.Integer({ description: 'How many signing secrets of its own it has; 0: WEBHOOK_SECRET.' }),
  created_at: time('When it was made.'),
  updated_at: time('When its settings last changed.'),
});
export type TenantView = Static<typeof TenantView>;

export const TenantList = Type.Object({ items: Type.Array(TenantView) });
export type TenantList = Static<typeof TenantList>;

export const TenantLimitsRequest = Type.Object(
  {
    max_pending: Type.Optional(
      limit("Timers waiting to fire; null: back to the service's MAX_PENDING_PER_KEY; 0: no cap."),
    ),
    creates_per_second: Type.Optional(
      limit("Creates per second across the fleet; null: back to the service's CREATES_PER_SECOND; 0: no cap."),
    ),
  },
  { additionalProperties: false, description: 'The quotas to change; those left out stay as they are.' },
);
export type TenantLimitsRequest = Static<typeof TenantLimitsRequest>;

export const NewSigningSecret = Type.Object({
  tenant: tenantName,
  secret: Type.String({
    description: 'The new Standard Webhooks secret (whsec_…). Shown this once: the service keeps it encrypted.',
  }),
  signing_secrets: Type.Integer({
    description: 'How many secrets now sign its webhooks (the new one and the previous).',
  }),
});
export type NewSigningSecret = Static<typeof NewSigningSecret>;
