/** The /admin operations of the OpenAPI document (openapi.ts): keys and tenants, admin keys only. */
import { bodyErrors, DocumentOptions, errorResponse, guarded, json, ref, unavailable } from './openapiParts';

const exampleKey = {
  id: 'key_3f2a9c1e7d4b8a60',
  tenant: 'acme',
  scope: 'write',
  created_at: '2026-12-07T10:00:00.000Z',
  last_used_at: null,
  revoked_at: null,
};

const exampleTenant = {
  name: 'acme',
  max_pending: null,
  creates_per_second: null,
  signing_secrets: 0,
  created_at: '2026-12-07T10:00:00.000Z',
  updated_at: '2026-12-07T10:00:00.000Z',
};

export function adminPaths(options: DocumentOptions): Record<string, unknown> {
  const admin = (operation: Record<string, unknown>) => guarded({ tags: ['Admin'], ...operation }, options);
  return {
    '/admin/keys': {
      post: admin({
        summary: 'Make an API key',
        operationId: 'createKey',
        description:
          'A new key of the tenant (made on first use) with the scope given. The answer is the only place the key ' +
          'appears: the service stores its SHA-256 only. Same as `npm run keys -- create`.',
        requestBody: {
          required: true,
          content: json(ref('CreateKeyRequest'), { tenant: 'acme', scope: 'write' }),
        },
        responses: {
          '201': {
            description: 'The key, shown once.',
            content: json(ref('CreatedKey'), { ...exampleKey, key: 'tk_Jm4yq0x8M1c2vQ0s3f9pVt6YwZ7rB5nA1dE2gH3kL4o' }),
          },
          ...bodyErrors('Not a tenant name, or not a scope.'),
          '503': unavailable,
        },
      }),
      get: admin({
        summary: 'List API keys',
        operationId: 'listKeys',
        description: 'Every key (never the key itself), newest first; revoked ones too.',
        parameters: [{ name: 'tenant', in: 'query', schema: { type: 'string' }, description: 'Only this tenant.' }],
        responses: {
          '200': { description: 'The keys.', content: json(ref('ApiKeyList'), { items: [exampleKey] }) },
          '400': errorResponse('Not a tenant name.', 'validation_failed'),
          '503': unavailable,
        },
      }),
    },
    '/admin/keys/{id}': {
      parameters: [
        {
          name: 'id',
          in: 'path',
          required: true,
          schema: { type: 'string' },
          description: 'The key id (key_…), or the key itself.',
        },
      ],
      delete: admin({
        summary: 'Revoke an API key',
        operationId: 'revokeKey',
        description:
          'The key fails on this api process at once and on every other within 5 s. Same as `npm run keys -- revoke`.',
        responses: {
          '200': {
            description: 'The key, revoked.',
            content: json(ref('ApiKeyView'), { ...exampleKey, revoked_at: '2026-12-07T11:00:00.000Z' }),
          },
          '404': errorResponse('No key has this id.', 'key_not_found'),
          '503': unavailable,
        },
      }),
    },
    '/admin/tenants': {
      get: admin({
        summary: 'List tenants',
        operationId: 'listTenants',
        description: 'Every tenant with its settings.',
        responses: {
          '200': { description: 'The tenants.', content: json(ref('TenantList'), { items: [exampleTenant] }) },
          '503': unavailable,
        },
      }),
    },
    '/admin/tenants/{name}': {
      parameters: [tenantParameter],
      get: admin({
        summary: 'Read a tenant',
        operationId: 'getTenant',
        description: 'Its quotas and how many signing secrets of its own it has.',
        responses: {
          '200': { description: 'The tenant.', content: json(ref('TenantView'), exampleTenant) },
          '404': noTenant,
          '503': unavailable,
        },
      }),
      patch: admin({
        summary: "Set a tenant's quotas",
        operationId: 'setTenantLimits',
        description:
          'Pending timers and creates per second, counted across the whole fleet (README "Quotas per tenant"). ' +
          'null: back to the service default; 0: no cap; left out: unchanged. Same as `npm run keys -- limits`.',
        requestBody: {
          required: true,
          content: json(ref('TenantLimitsRequest'), { max_pending: 10000, creates_per_second: 200 }),
        },
        responses: {
          '200': {
            description: 'The tenant with its new quotas.',
            content: json(ref('TenantView'), { ...exampleTenant, max_pending: 10000, creates_per_second: 200 }),
          },
          ...bodyErrors('Not a whole number from 0 to 10,000,000, or null.'),
          '404': noTenant,
          '503': unavailable,
        },
      }),
    },
    '/admin/tenants/{name}/signing-secrets': {
      parameters: [tenantParameter],
      post: admin({
        summary: "Rotate a tenant's webhook signing secret",
        operationId: 'rotateSigningSecret',
        description:
          "A new Standard Webhooks secret signs the tenant's webhooks from now on (on every controller within 5 s), " +
          'next to its newest previous one (none the first time: WEBHOOK_SECRET stops signing them), so its ' +
          'receivers can move over; then retire the previous one. Shown this once; kept encrypted with DATA_KEYS. ' +
          'Same as `npm run keys -- secret rotate`.',
        responses: {
          '201': {
            description: 'The new secret, shown once.',
            content: json(ref('NewSigningSecret'), {
              tenant: 'acme',
              secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
              signing_secrets: 2,
            }),
          },
          '404': noTenant,
          '503': unavailable,
        },
      }),
      delete: admin({
        summary: "Remove a tenant's signing secrets",
        operationId: 'clearSigningSecrets',
        description:
          "WEBHOOK_SECRET signs the tenant's webhooks again (within 5 s). Same as `npm run keys -- secret clear`.",
        responses: {
          '200': { description: 'The tenant.', content: json(ref('TenantView'), exampleTenant) },
          '404': noTenant,
          '503': unavailable,
        },
      }),
    },
    '/admin/tenants/{name}/signing-secrets/previous': {
      parameters: [tenantParameter],
      delete: admin({
        summary: "Retire a tenant's previous signing secret",
        operationId: 'retirePreviousSigningSecrets',
        description: 'Only the newest secret signs from now on (within 5 s). Same as `npm run keys -- secret retire`.',
        responses: {
          '200': {
            description: 'The tenant.',
            content: json(ref('TenantView'), { ...exampleTenant, signing_secrets: 1 }),
          },
          '404': noTenant,
          '503': unavailable,
        },
      }),
    },
  };
}

const tenantParameter = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: "The tenant's name.",
};

const noTenant = errorResponse('No tenant has this name.', 'tenant_not_found');
