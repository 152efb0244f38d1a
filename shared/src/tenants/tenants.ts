/**
 * Tenants and their API keys, as the api, the controllers and the keys CLI see
 * them. Each query is its own file under sql/.
 */
import type { Knex } from 'knex';
import { insertApiKey, listApiKeys, revokeApiKey, touchApiKeys } from './sql/apiKeys';
import { ensureTenant, listTenants, setSigningSecrets, setTenantLimits } from './sql/tenants';
import type { ApiKeyRecord, Scope, TenantLimits, TenantRecord } from './types';

export class Tenants {
  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
  ) {}

  /** Stores a new key's digest, creating its tenant on first use, in one transaction. */
  async addKey(key: { id: string; digest: string; tenant: string; scope: Scope }): Promise<void> {
    await this.db.transaction(async (trx) => {
      await ensureTenant(trx, this.timeoutMs, key.tenant);
      await insertApiKey(trx, this.timeoutMs, key);
    });
  }

  keys(tenant?: string): Promise<ApiKeyRecord[]> {
    return listApiKeys(this.db, this.timeoutMs, tenant);
  }

  revokeKey(id: string): Promise<boolean> {
    return revokeApiKey(this.db, this.timeoutMs, id);
  }

  touchKeys(ids: readonly string[]): Promise<void> {
    return touchApiKeys(this.db, this.timeoutMs, ids);
  }

  ensure(name: string): Promise<void> {
    return ensureTenant(this.db, this.timeoutMs, name);
  }

  list(): Promise<TenantRecord[]> {
    return listTenants(this.db, this.timeoutMs);
  }

  async find(name: string): Promise<TenantRecord | null> {
    const [tenant] = await listTenants(this.db, this.timeoutMs, name);
    return tenant ?? null;
  }

  setLimits(name: string, limits: TenantLimits): Promise<void> {
    return setTenantLimits(this.db, this.timeoutMs, name, limits);
  }

  setSigningSecrets(name: string, sealed: string | null): Promise<void> {
    return setSigningSecrets(this.db, this.timeoutMs, name, sealed);
  }
}
