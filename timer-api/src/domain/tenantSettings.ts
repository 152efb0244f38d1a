/**
 * Each tenant's quotas as the api applies them: its own max_pending and
 * creates_per_second, or the service's MAX_PENDING_PER_KEY and
 * CREATES_PER_SECOND where it has none. The tenants table is small (one row per
 * team), so it is kept in memory, read again in the background once the copy is
 * REFRESH_MS old, and never used older than MAX_AGE_MS (a create then waits for
 * the reload): a quota set on any replica holds on every one within 5 s.
 */
import type { Clock, Logger, Tenants } from '@timer/shared';
import { errorFields } from '@timer/shared';
import { AppError } from '../errors';

export const REFRESH_MS = 1000;
export const MAX_AGE_MS = 5000;

export interface Quotas {
  /** 0: no cap. */
  maxPending: number;
  /** 0: no cap. */
  createsPerSecond: number;
}

export class TenantSettings {
  private byTenant = new Map<string, { maxPending: number | null; createsPerSecond: number | null }>();
  private loadedAt: number | null = null;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly deps: {
      tenants: Pick<Tenants, 'list'>;
      defaults: Quotas;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** The quotas that hold for the tenant now (0: no cap). */
  async quotasOf(tenant: string): Promise<Quotas> {
    await this.fresh();
    const own = this.byTenant.get(tenant);
    return {
      maxPending: own?.maxPending ?? this.deps.defaults.maxPending,
      createsPerSecond: own?.createsPerSecond ?? this.deps.defaults.createsPerSecond,
    };
  }

  private async fresh(): Promise<void> {
    const age = this.loadedAt === null ? Infinity : this.deps.clock.now() - this.loadedAt;
    if (age < REFRESH_MS) return;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    if (age < MAX_AGE_MS) {
      this.loading.catch((err: unknown) =>
        this.deps.logger.warn('Tenant quotas could not be reloaded', errorFields(err)),
      );
      return;
    }
    try {
      await this.loading;
    } catch (err) {
      throw new AppError('service_unavailable', undefined, undefined, { cause: err });
    }
  }

  private async load(): Promise<void> {
    const startedAt = this.deps.clock.now();
    const rows = await this.deps.tenants.list();
    this.byTenant = new Map(
      rows.map((t) => [t.name, { maxPending: t.maxPending, createsPerSecond: t.createsPerSecond }]),
    );
    this.loadedAt = startedAt;
  }
}
