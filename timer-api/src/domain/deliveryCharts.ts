/**
 * The dashboard's charts: deliveries per minute by outcome and lateness p50/p99
 * per minute, from the per-minute rollups the controllers write (never from the
 * delivery history). The rollups are kept per tenant, so a tenant's key sees its
 * own timers' figures, and an admin key without X-Tenant the sum over tenants.
 * No HTTP, no SQL.
 */
import { LATENESS_BOUNDS_MS, latenessQuantile } from '@timer/shared';
import type { Clock, Rollups } from '@timer/shared';
import type { DeliveryChart } from '../dashboardSchemas';

const HOUR_MS = 3_600_000;

export class DeliveryCharts {
  constructor(
    private readonly rollups: Pick<Rollups, 'perMinute'>,
    private readonly dbClock: Clock,
  ) {}

  async perMinute(hours: number, sees: string | null): Promise<DeliveryChart> {
    const now = this.dbClock.now();
    const since = new Date(now - (now % 60_000) - hours * HOUR_MS);
    const minutes = await this.rollups.perMinute({ since, tenant: sees });
    return {
      now: new Date(now).toISOString(),
      hours,
      scope: sees === null ? 'all' : 'tenant',
      lateness_bounds_ms: [...LATENESS_BOUNDS_MS],
      minutes: minutes.map((m) => ({
        minute: m.minute.toISOString(),
        delivered: m.delivered,
        retried: m.retried,
        failed: m.failed,
        skipped: m.skipped,
        sent: m.lateness.reduce((sum, n) => sum + n, 0),
        lateness_p50_ms: latenessQuantile(m.lateness, 0.5),
        lateness_p99_ms: latenessQuantile(m.lateness, 0.99),
        lateness_buckets: m.lateness,
      })),
    };
  }
}
