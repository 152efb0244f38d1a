/**
 * The keys the api accepts: API_KEYS (write keys of the default tenant) and
 * ADMIN_API_KEYS (admin keys) from the environment, and the keys in the
 * api_keys table, which the keys CLI and the admin endpoints make and revoke.
 *
 * The table is read whole into memory and read again once the copy is
 * REFRESH_MS old (in the background: a request does not wait for it) and, at
 * the latest, before a request is answered from a copy older than MAX_AGE_MS
 * (that request waits; if the database cannot be read, it gets a 503 rather
 * than an answer from a copy that may still hold a revoked key). So a key
 * revoked on any replica fails on every replica within MAX_AGE_MS plus one
 * query. Each reload also records, in one UPDATE, which keys were used since the
 * one before (last_used_at).
 *
 * A presented key is looked up by its SHA-256: the time a lookup takes can say
 * something about a digest, which is no help toward finding a key.
 *
 * The api asks for keys once any key exists: in the environment, or in the
 * table (a revoked one included, so that revoking the last key does not open
 * the api).
 */
import { createHash } from 'node:crypto';
import type { Clock, Logger, Scope, Tenants } from '@timer/shared';
import { DEFAULT_TENANT, errorFields } from '@timer/shared';
import { AppError } from '../errors';
import { keyIdOf } from './client';

export const REFRESH_MS = 1000;
export const MAX_AGE_MS = 4000;

export interface KeyGrant {
  id: string;
  tenant: string;
  scope: Scope;
}

export interface KeyRingOptions {
  /** Digests of API_KEYS and ADMIN_API_KEYS. */
  writeKeyDigests: readonly string[];
  adminKeyDigests: readonly string[];
  tenants: Pick<Tenants, 'keys' | 'touchKeys'>;
  clock: Clock;
  logger: Logger;
}

export function digestOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class KeyRing {
  private readonly fromEnv = new Map<string, KeyGrant>();
  private fromTable = new Map<string, KeyGrant>();
  /** Any row in the table, revoked ones included. */
  private tableHasKeys = false;
  private loadedAt: number | null = null;
  private loading: Promise<void> | null = null;
  private used = new Set<string>();

  constructor(private readonly options: KeyRingOptions) {
    for (const digest of options.writeKeyDigests) {
      this.fromEnv.set(digest, { id: keyIdOf(digest), tenant: DEFAULT_TENANT, scope: 'write' });
    }
    for (const digest of options.adminKeyDigests) {
      this.fromEnv.set(digest, { id: keyIdOf(digest), tenant: DEFAULT_TENANT, scope: 'admin' });
    }
  }

  /** Whether requests need a key. Throws service_unavailable when the table cannot be read in time. */
  async required(): Promise<boolean> {
    if (this.fromEnv.size > 0) return true;
    await this.fresh();
    return this.tableHasKeys;
  }

  /** What the presented key may do, or null when it is unknown or revoked. */
  async match(presented: string): Promise<KeyGrant | null> {
    const digest = digestOf(presented);
    const env = this.fromEnv.get(digest);
    if (env) return env;
    await this.fresh();
    const grant = this.fromTable.get(digest) ?? null;
    if (grant) this.used.add(grant.id);
    return grant;
  }

  /** A key this process just made works here at once; the others learn it on their next reload. */
  remember(digest: string, grant: KeyGrant): void {
    this.fromTable.set(digest, grant);
    this.tableHasKeys = true;
  }

  /** A key this process just revoked fails here at once. */
  forget(id: string): void {
    for (const [digest, grant] of this.fromTable) if (grant.id === id) this.fromTable.delete(digest);
  }

  private async fresh(): Promise<void> {
    const age = this.loadedAt === null ? Infinity : this.options.clock.now() - this.loadedAt;
    if (age < REFRESH_MS) return;
    const reload = this.reload();
    if (age < MAX_AGE_MS) {
      reload.catch(() => undefined); // logged once, in reload()
      return;
    }
    try {
      await reload;
    } catch (err) {
      throw new AppError('service_unavailable', undefined, undefined, { cause: err });
    }
  }

  /** One reload at a time: concurrent requests share it, and a failure is logged once. */
  private reload(): Promise<void> {
    if (this.loading === null) {
      this.loading = this.load().finally(() => {
        this.loading = null;
      });
      this.loading.catch((err: unknown) =>
        this.options.logger.warn('API keys could not be reloaded', errorFields(err)),
      );
    }
    return this.loading;
  }

  private async load(): Promise<void> {
    const startedAt = this.options.clock.now();
    const used = [...this.used];
    this.used = new Set();
    const rows = await this.options.tenants.keys();
    const table = new Map<string, KeyGrant>();
    for (const row of rows) {
      if (row.revokedAt === null) table.set(row.digest, { id: row.id, tenant: row.tenant, scope: row.scope });
    }
    this.fromTable = table;
    this.tableHasKeys = rows.length > 0;
    this.loadedAt = startedAt;
    // last_used_at is a convenience: losing one batch of it to an error is not worth failing requests.
    await this.options.tenants
      .touchKeys(used)
      .catch((err: unknown) => this.options.logger.warn('API key use could not be recorded', errorFields(err)));
  }
}
