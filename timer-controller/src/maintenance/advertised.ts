/**
 * Checks that the address this controller advertises in the controllers table
 * (CONTROLLER_ADVERTISE_URL, or the one guessed from this host) reaches this very
 * process: the api asks the holder of a timer to give it back there, and a
 * wrong address turns every late cancel into a 503. It asks its own /healthz
 * through that address every HEARTBEAT_MS and compares the controller id the
 * answer carries. While it fails, /readyz answers 503 and the gauge
 * timers_controller_advertised_reachable reads 0.
 */
import { errorFields } from '@timer/shared';
import type { Clock, Logger, Metrics, TimerHandle } from '@timer/shared';
import { HEARTBEAT_MS } from './heartbeat';

export const CONTROLLER_ID_HEADER = 'Timer-Controller-Id';
const CHECK_TIMEOUT_MS = 1000;

export class AdvertisedCheck {
  private failure: string | null = 'not checked yet';
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly options: {
      endpoint: string;
      controllerId: string;
      clock: Clock;
      logger: Logger;
      metrics: Metrics;
    },
  ) {}

  /** Checks once now (so /readyz is right from the start), then every HEARTBEAT_MS. */
  async start(): Promise<void> {
    await this.check();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.options.clock.clearTimer(this.timer);
  }

  /** Why the advertised address does not reach this process; null when it does. */
  problem(): string | null {
    return this.failure === null
      ? null
      : `The advertised address ${this.options.endpoint} does not reach this controller: ${this.failure}`;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(HEARTBEAT_MS, () => void this.check().then(() => this.schedule()), {
      background: true,
    });
  }

  private async check(): Promise<void> {
    const { endpoint, controllerId, logger, metrics } = this.options;
    let failure: string | null = null;
    try {
      const res = await fetch(`${endpoint}/healthz`, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
      await res.body?.cancel();
      const answered = res.headers.get(CONTROLLER_ID_HEADER);
      if (!res.ok) failure = `HTTP ${res.status}`;
      else if (answered !== controllerId) failure = `another process answers there (${answered ?? 'not a controller'})`;
    } catch (err) {
      failure = errorFields(err).error;
    }
    if (failure !== this.failure) {
      if (failure === null) logger.info('Advertised address reaches this controller', { endpoint });
      else
        logger.error('Advertised address does not reach this controller', { endpoint, controllerId, reason: failure });
    }
    this.failure = failure;
    metrics.advertisedReachable.set(failure === null ? 1 : 0);
  }
}
