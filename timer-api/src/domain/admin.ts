/**
 * Key and tenant management, for the admin endpoints (an admin key only): make a
 * key (shown once, stored as its digest), list keys, revoke one, list tenants,
 * set a tenant's quotas, rotate its webhook signing secret (shown once, stored
 * sealed with DATA_KEYS). The keys CLI (keysCli.ts) does the same through the
 * same store. No HTTP, no SQL.
 */
import { randomBytes } from 'node:crypto';
import { ApiKeyRecord, Logger, Scope, Store, TenantLimits, TenantRecord } from '@timer/shared';
import { AppError } from '../errors';
import type { ApiKeyView, CreatedKey, NewSigningSecret, TenantView } from '../adminSchemas';
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

  async tenant(name: string): Promise<TenantView> {
    const tenant = await this.store.tenants.find(name);
    if (tenant === null) throw new AppError('tenant_not_found');
    return toTenantView(tenant);
  }

  /** Sets the quotas given (null: back to the service's default; absent: unchanged). */
  async setLimits(name: string, limits: TenantLimits, by: string): Promise<TenantView> {
    if (!(await this.store.tenants.setLimits(name, limits))) throw new AppError('tenant_not_found');
    this.logger.info('Tenant limits set', { tenant: name, ...limits, by });
    return this.tenant(name);
  }

  /**
   * A new signing secret, which signs the tenant's webhooks from now on (every
   * controller within 5 s) next to the newest previous one, so receivers can move
   * over: both signatures go out until retirePreviousSecrets(). Shown this once.
   */
  async rotateSigningSecret(name: string, by: string): Promise<NewSigningSecret> {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const previous = await this.store.tenants.signingSecrets(name);
    if (!(await this.store.tenants.setSigningSecrets(name, [secret, ...previous.slice(0, 1)]))) {
      throw new AppError('tenant_not_found');
    }
    this.logger.info('Signing secret rotated', { tenant: name, kept: Math.min(previous.length, 1), by });
    return { tenant: name, secret, signing_secrets: Math.min(previous.length, 1) + 1 };
  }

  /** Only the newest secret signs from now on. */
  async retirePreviousSecrets(name: string, by: string): Promise<TenantView> {
    const secrets = await this.store.tenants.signingSecrets(name);
    if (!(await this.store.tenants.setSigningSecrets(name, secrets.slice(0, 1)))) {
      throw new AppError('tenant_not_found');
    }
    this.logger.info('Previous signing secrets retired', {
      tenant: name,
      retired: Math.max(secrets.length - 1, 0),
      by,
    });
    return this.tenant(name);
  }

  /** The tenant's own secrets go: WEBHOOK_SECRET signs its webhooks again. */
  async clearSigningSecrets(name: string, by: string): Promise<TenantView> {
    if (!(await this.store.tenants.setSigningSecrets(name, []))) throw new AppError('tenant_not_found');
    this.logger.info('Signing secrets cleared', { tenant: name, by });
    return this.tenant(name);
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
