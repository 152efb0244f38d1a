/**
 * Each tenant's quotas as the api applies them: its own max_pending and
 * creates_per_second, or the service's MAX_PENDING_PER_KEY and
 * CREATES_PER_SECOND where it has none. The tenants table is small (one row per
 * team), so it is kept in memory, read again in the background once the copy is
 * REFRESH_MS old, and never used older than MAX_AGE_MS (a create then waits for
 * the reload): a quota set on any replica holds on every one within 5 s.
 */
import type { Clock, Logger, Tenants } from '@timer/shared';
import { RefreshingCopy } from '@timer/shared';
import { AppError } from '../errors';

export const REFRESH_MS = 1000;
export const MAX_AGE_MS = 5000;

export interface Quotas {
  /** 0: no cap. */
  maxPending: number;
  /** 0: no cap. */
  createsPerSecond: number;
}

type TenantQuotas = Map<string, { maxPending: number | null; createsPerSecond: number | null }>;

export class TenantSettings {
  private readonly copy: RefreshingCopy<TenantQuotas>;

  constructor(
    private readonly deps: {
      tenants: Pick<Tenants, 'list'>;
      defaults: Quotas;
      clock: Clock;
      logger: Logger;
    },
  ) {
    this.copy = new RefreshingCopy({
      load: async () => {
        const rows = await deps.tenants.list();
        return new Map(rows.map((t) => [t.name, { maxPending: t.maxPending, createsPerSecond: t.createsPerSecond }]));
      },
      refreshMs: REFRESH_MS,
      maxAgeMs: MAX_AGE_MS,
      clock: deps.clock,
      logger: deps.logger,
      what: 'Tenant quotas',
    });
  }

  /** The quotas that hold for the tenant now (0: no cap). */
  async quotasOf(tenant: string): Promise<Quotas> {
    let byTenant: TenantQuotas;
    try {
      byTenant = await this.copy.get();
    } catch (err) {
      throw new AppError('service_unavailable', undefined, undefined, { cause: err });
    }
    const own = byTenant.get(tenant);
    return {
      maxPending: own?.maxPending ?? this.deps.defaults.maxPending,
      createsPerSecond: own?.createsPerSecond ?? this.deps.defaults.createsPerSecond,
    };
  }
}
