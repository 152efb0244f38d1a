/**
 * The keys the api accepts: API_KEYS (write keys of the default tenant) and
 * ADMIN_API_KEYS (admin keys) from the environment, and the keys in the
 * api_keys table, which the keys CLI and the admin endpoints make and revoke.
 *
 * The table is read whole into memory (a RefreshingCopy) and read again once the copy is
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
import { DEFAULT_TENANT, errorFields, RefreshingCopy } from '@timer/shared';
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

/** The api_keys table as last read. */
interface TableKeys {
  /** The keys not revoked, by digest. */
  grants: Map<string, KeyGrant>;
  /** Any row in the table, revoked ones included. */
  any: boolean;
}

export function digestOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class KeyRing {
  private readonly fromEnv = new Map<string, KeyGrant>();
  private readonly table: RefreshingCopy<TableKeys>;
  /** Ids of the table's keys presented since the last read (recorded as last_used_at by the next). */
  private used = new Set<string>();

  constructor(options: KeyRingOptions) {
    for (const digest of options.writeKeyDigests) {
      this.fromEnv.set(digest, { id: keyIdOf(digest), tenant: DEFAULT_TENANT, scope: 'write' });
    }
    for (const digest of options.adminKeyDigests) {
      this.fromEnv.set(digest, { id: keyIdOf(digest), tenant: DEFAULT_TENANT, scope: 'admin' });
    }
    this.table = new RefreshingCopy({
      load: () => this.load(options),
      refreshMs: REFRESH_MS,
      maxAgeMs: MAX_AGE_MS,
      clock: options.clock,
      logger: options.logger,
      what: 'API keys',
    });
  }

  /** Whether requests need a key. Throws service_unavailable when the table cannot be read in time. */
  async required(): Promise<boolean> {
    return this.requiredNow() ?? (await this.fresh()).any;
  }

  /** required() without a promise, when the answer is at hand (null: ask required()). */
  requiredNow(): boolean | null {
    if (this.fromEnv.size > 0) return true;
    return this.table.current()?.any ?? null;
  }

  /** What the presented key may do, or null when it is unknown or revoked. */
  async match(presented: string): Promise<KeyGrant | null> {
    const digest = digestOf(presented);
    const env = this.fromEnv.get(digest);
    if (env) return env;
    const grant = (await this.fresh()).grants.get(digest) ?? null;
    if (grant) this.used.add(grant.id);
    return grant;
  }

  /** A key this process just made works here at once; the others learn it on their next reload. */
  remember(digest: string, grant: KeyGrant): void {
    const keys = this.table.peek();
    if (!keys) return; // the first read will find it in the table
    keys.grants.set(digest, grant);
    keys.any = true;
  }

  /** A key this process just revoked fails here at once. */
  forget(id: string): void {
    const grants = this.table.peek()?.grants;
    if (!grants) return; // the first read will find it revoked
    for (const [digest, grant] of grants) if (grant.id === id) grants.delete(digest);
  }

  private async fresh(): Promise<TableKeys> {
    try {
      return await this.table.get();
    } catch (err) {
      throw new AppError('service_unavailable', undefined, undefined, { cause: err });
    }
  }

  private async load({ tenants, logger }: KeyRingOptions): Promise<TableKeys> {
    const used = [...this.used];
    this.used = new Set();
    const rows = await tenants.keys();
    const grants = new Map<string, KeyGrant>();
    for (const row of rows) {
      if (row.revokedAt === null) grants.set(row.digest, { id: row.id, tenant: row.tenant, scope: row.scope });
    }
    // last_used_at is a convenience: losing one batch of it to an error is not worth failing requests.
    await tenants
      .touchKeys(used)
      .catch((err: unknown) => logger.warn('API key use could not be recorded', errorFields(err)));
    return { grants, any: rows.length > 0 };
  }
}
