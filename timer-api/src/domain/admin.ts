/**
 * Key and tenant management, for the admin endpoints (an admin key only): make a
 * key (shown once, stored as its digest), list keys, revoke one, list tenants.
 * The keys CLI (keysCli.ts) does the same through the same store. No HTTP, no SQL.
 */
import { ApiKeyRecord, Logger, Scope, Store, TenantRecord } from '@timer/shared';
import { AppError } from '../errors';
import type { ApiKeyView, CreatedKey, TenantView } from '../adminSchemas';
import { makeApiKey, keyIdFor } from './keyMaking';
import type { KeyRing } from './keyRing';

export class AdminService {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    /** This api process's keys, which learn of a change at once (the CLI has none). */
    private readonly ring?: Pick<KeyRing, 'remember' | 'forget'>,
  ) {}

  async createKey(tenant: string, scope: Scope, by: string): Promise<CreatedKey> {
    const made = makeApiKey();
    await this.store.tenants.addKey({ id: made.id, digest: made.digest, tenant, scope });
    this.ring?.remember(made.digest, { id: made.id, tenant, scope });
    this.logger.info('API key created', { keyId: made.id, tenant, scope, by });
    const [record] = (await this.store.tenants.keys(tenant)).filter((k) => k.id === made.id);
    return { ...toKeyView(record), key: made.key };
  }

  async keys(tenant?: string): Promise<ApiKeyView[]> {
    return (await this.store.tenants.keys(tenant)).map(toKeyView);
  }

  /** `idOrKey`: the key's id (key_…) or the key itself. */
  async revokeKey(idOrKey: string, by: string): Promise<ApiKeyView> {
    const id = keyIdFor(idOrKey);
    if (!(await this.store.tenants.revokeKey(id))) throw new AppError('key_not_found');
    this.ring?.forget(id);
    this.logger.info('API key revoked', { keyId: id, by });
    const [record] = (await this.store.tenants.keys()).filter((k) => k.id === id);
    return toKeyView(record);
  }

  async tenants(): Promise<TenantView[]> {
    return (await this.store.tenants.list()).map(toTenantView);
  }
}

export function toKeyView(k: ApiKeyRecord): ApiKeyView {
  return {
    id: k.id,
    tenant: k.tenant,
    scope: k.scope,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
  };
}

export function toTenantView(t: TenantRecord): TenantView {
  return {
    name: t.name,
    max_pending: t.maxPending,
    creates_per_second: t.createsPerSecond,
    signing_secrets: t.signingSecrets === null ? 0 : t.signingSecrets.split(' ').length,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}
