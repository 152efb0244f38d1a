/**
 * Tenants and their API keys, as the api, the controllers and the keys CLI see
 * them. Each query is its own file under sql/.
 */
import type { Knex } from 'knex';
import { DataKeyError, DataKeys } from '../crypto/dataKeys';
import { insertApiKey, listApiKeys, revokeApiKey, touchApiKeys } from './sql/apiKeys';
import { deleteOldCreates, othersCreates, reportCreates } from './sql/tenantCreates';
import { ensureTenant, listTenants, setSigningSecrets, setTenantLimits } from './sql/tenants';
import type { ApiKeyRecord, Scope, TenantLimits, TenantRecord } from './types';

export class Tenants {
  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
    private readonly dataKeys: DataKeys = DataKeys.none(),
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

  /** false: no such tenant. */
  setLimits(name: string, limits: TenantLimits): Promise<boolean> {
    return setTenantLimits(this.db, this.timeoutMs, name, limits);
  }

  /** This api process's creates this second, per tenant (absolute counts). */
  reportCreates(apiId: string, second: number, counts: ReadonlyMap<string, number>): Promise<void> {
    return reportCreates(this.db, this.timeoutMs, apiId, second, counts);
  }

  /** What the other api processes created this second for these tenants. */
  othersCreates(
    apiId: string,
    second: number,
    tenants: readonly string[],
  ): Promise<Map<string, { creates: number; processes: number }>> {
    return othersCreates(this.db, this.timeoutMs, apiId, second, tenants);
  }

  deleteOldCreates(apiId: string, before: number): Promise<void> {
    return deleteOldCreates(this.db, this.timeoutMs, apiId, before);
  }

  /** The tenant's own signing secrets (`whsec_…`), newest first; empty: WEBHOOK_SECRET signs. */
  async signingSecrets(name: string): Promise<string[]> {
    const tenant = await this.find(name);
    return tenant === null ? [] : this.openSecrets(tenant);
  }

  /**
   * Every tenant's own signing secrets, for the controllers' copy. A tenant whose
   * secrets do not open (a data key missing from DATA_KEYS) maps to the error:
   * its webhooks must not go out signed with anything else.
   */
  async allSigningSecrets(): Promise<Map<string, string[] | DataKeyError>> {
    const secrets = new Map<string, string[] | DataKeyError>();
    for (const tenant of await this.list()) {
      if (tenant.signingSecrets === null) continue;
      try {
        secrets.set(tenant.name, this.openSecrets(tenant));
      } catch (err) {
        if (!(err instanceof DataKeyError)) throw err;
        secrets.set(tenant.name, err);
      }
    }
    return secrets;
  }

  /** Replaces the tenant's signing secrets, newest first (empty: back to WEBHOOK_SECRET); false: no such tenant. */
  setSigningSecrets(name: string, secrets: readonly string[]): Promise<boolean> {
    const sealed = secrets.map((s) => this.dataKeys.seal(s, signingContext(name)));
    return setSigningSecrets(this.db, this.timeoutMs, name, sealed.length === 0 ? null : sealed.join(' '));
  }

  private openSecrets(tenant: TenantRecord): string[] {
    if (tenant.signingSecrets === null) return [];
    return tenant.signingSecrets.split(' ').map((s) => this.dataKeys.open(s, signingContext(tenant.name)));
  }
}

/** What a tenant's sealed signing secret is bound to: it opens in this tenant's row only. */
export function signingContext(tenant: string): string {
  return `tenant:${tenant}:signing_secret`;
}
