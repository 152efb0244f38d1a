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
import { errorFields, RefreshingCopy } from '@timer/shared';

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

type SecretsByTenant = Map<string, readonly Buffer[] | DataKeyError>;

export class TenantSigningKeys implements SigningKeys {
  private readonly copy: RefreshingCopy<SecretsByTenant>;

  constructor(
    private readonly deps: {
      tenants: Pick<Tenants, 'allSigningSecrets'>;
      /** WEBHOOK_SECRET: for tenants without secrets of their own. */
      fallback: readonly Buffer[];
      clock: Clock;
      logger: Logger;
    },
  ) {
    this.copy = new RefreshingCopy({
      load: (previous) => this.load(previous),
      refreshMs: REFRESH_MS,
      maxAgeMs: MAX_AGE_MS,
      clock: deps.clock,
      logger: deps.logger,
      what: 'Signing secrets',
    });
  }

  async keysFor(tenant: string): Promise<readonly Buffer[]> {
    const own = (await this.copy.get()).get(tenant);
    if (own === undefined) return this.deps.fallback;
    if (own instanceof Error) throw own;
    return own;
  }

  private async load(previous: SecretsByTenant | null): Promise<SecretsByTenant> {
    const secrets = await this.deps.tenants.allSigningSecrets();
    const byTenant: SecretsByTenant = new Map();
    for (const [tenant, own] of secrets) {
      if (own instanceof Error) {
        // Once, when it starts: the copy is read again every second.
        if (!(previous?.get(tenant) instanceof Error))
          this.deps.logger.error('Signing secrets of a tenant do not open; its webhooks wait', {
            tenant,
            ...errorFields(own),
          });
        byTenant.set(tenant, own);
      } else {
        byTenant.set(tenant, own.map(signingKeyBytes));
      }
    }
    return byTenant;
  }
}
