/**
 * The dashboard's fleet view: the controllers (last heartbeat, alive or not, the
 * load each reported on it) and the flows with their limits, pause, what each is
 * doing and, for a flow keyed by an origin, its breaker or back-off. Controllers
 * are the fleet's, the same for every tenant; flows are the caller's tenant's,
 * or every tenant's for an admin key without X-Tenant. No HTTP, no SQL.
 */
import { ORIGIN_DEFAULTS_TENANT, originOf } from '@timer/shared';
import type { Clock, Fleet, Flows } from '@timer/shared';
import type { FleetView } from '../dashboardSchemas';
import { STALE_AFTER_MS } from './nudger';

const MAX_FLOWS = 500;

export class FleetViews {
  constructor(
    private readonly fleet: Pick<Fleet, 'all'>,
    private readonly flows: Pick<Flows, 'findAll' | 'blockedOrigins'>,
    private readonly dbClock: Clock,
  ) {}

  async view(sees: string | null): Promise<FleetView> {
    const [controllers, flows, blocked] = await Promise.all([
      this.fleet.all(),
      this.flows.findAll(sees, MAX_FLOWS, 'tenant'),
      this.flows.blockedOrigins(),
    ]);
    const blocks = new Map(blocked.map((b) => [b.origin, b]));
    return {
      now: new Date(this.dbClock.now()).toISOString(),
      controllers: controllers.map((c) => ({
        id: c.id,
        alive: c.heartbeatAgeMs < STALE_AFTER_MS,
        started_at: c.startedAt.toISOString(),
        heartbeat_at: c.heartbeatAt.toISOString(),
        heartbeat_age_ms: Math.max(0, c.heartbeatAgeMs),
        in_flight: c.inFlight,
        held: c.held,
      })),
      flows: flows.map((f) => {
        const block = originOf(f.key) === f.key ? blocks.get(f.key) : undefined;
        const isDefault = f.tenant === ORIGIN_DEFAULTS_TENANT;
        return {
          tenant: isDefault ? null : f.tenant,
          default: isDefault,
          key: f.key,
          parallelism: f.parallelism,
          rate: f.rate,
          burst: f.burst,
          paused: f.paused,
          waiting: f.waiting,
          in_flight: f.inFlight,
          created_at: f.createdAt.toISOString(),
          updated_at: f.updatedAt.toISOString(),
          origin: block
            ? { state: block.probe ? 'probe' : block.reason, until: block.until ? block.until.toISOString() : null }
            : null,
        };
      }),
    };
  }
}
