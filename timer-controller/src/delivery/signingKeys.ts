/**
 * Which keys sign a timer's webhook: its tenant's own secrets (set with
 * `npm run keys -- secret rotate` or POST /admin/tenants/{name}/signing-secret),
 * else the service's WEBHOOK_SECRET. So no tenant can make the service sign a
 * webhook with another tenant's secret: a receiver that verifies with its
 * tenant's secret rejects every other tenant's webhooks.
 *
 * The controller keeps every tenant's secrets in memory (tenants are few), reads
 * them again in the background once the copy is REFRESH_MS old, and before
 * signing from a copy older than MAX_AGE_MS waits for the reload: a new secret
 * signs within MAX_AGE_MS plus one query on every controller. A tenant whose
 * secrets do not open (sealed with a data key DATA_KEYS no longer holds) gets an
 * error, retried like a network error, never a webhook signed with another key.
 */
import type { Clock, DataKeyError, Logger, Tenants } from '@timer/shared';
import { errorFields } from '@timer/shared';

export const REFRESH_MS = 1000;
export const MAX_AGE_MS = 5000;

export interface SigningKeys {
  /** The keys that sign this tenant's webhooks; empty: unsigned. Throws when they cannot be known. */
  keysFor(tenant: string): Promise<readonly Buffer[]>;
}

/** The same keys for every tenant: WEBHOOK_SECRET alone (no database, as in the in-memory rigs). */
export function serviceKeys(keys: readonly Buffer[]): SigningKeys {
  return { keysFor: () => Promise.resolve(keys) };
}

/** `whsec_` + base64, as WEBHOOK_SECRET and the keys CLI write it. */
export function signingKeyBytes(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

export class TenantSigningKeys implements SigningKeys {
  private byTenant = new Map<string, readonly Buffer[] | DataKeyError>();
  private loadedAt: number | null = null;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly deps: {
      tenants: Pick<Tenants, 'allSigningSecrets'>;
      /** WEBHOOK_SECRET: for tenants without secrets of their own. */
      fallback: readonly Buffer[];
      clock: Clock;
      logger: Logger;
    },
  ) {}

  async keysFor(tenant: string): Promise<readonly Buffer[]> {
    await this.fresh();
    const own = this.byTenant.get(tenant);
    if (own === undefined) return this.deps.fallback;
    if (own instanceof Error) throw own;
    return own;
  }

  private async fresh(): Promise<void> {
    const age = this.loadedAt === null ? Infinity : this.deps.clock.now() - this.loadedAt;
    if (age < REFRESH_MS) return;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    if (age < MAX_AGE_MS) {
      this.loading.catch((err: unknown) =>
        this.deps.logger.warn('Signing secrets could not be reloaded', errorFields(err)),
      );
      return;
    }
    await this.loading;
  }

  private async load(): Promise<void> {
    const startedAt = this.deps.clock.now();
    const secrets = await this.deps.tenants.allSigningSecrets();
    const byTenant = new Map<string, readonly Buffer[] | DataKeyError>();
    for (const [tenant, own] of secrets) {
      if (own instanceof Error) {
        // Once, when it starts: the copy is read again every second.
        if (!(this.byTenant.get(tenant) instanceof Error))
          this.deps.logger.error('Signing secrets of a tenant do not open; its webhooks wait', {
            tenant,
            ...errorFields(own),
          });
        byTenant.set(tenant, own);
      } else {
        byTenant.set(tenant, own.map(signingKeyBytes));
      }
    }
    this.byTenant = byTenant;
    this.loadedAt = startedAt;
  }
}
