/**
 * Tells the running controllers to poll now, when a timer was just stored that
 * is due before their next poll would find it. Best effort: a lost nudge only
 * means that timer waits for the next poll. Calls that arrive while a nudge is
 * under way are folded into one more round, so a burst of creates costs a
 * couple of requests per controller, not one per timer.
 */
import { errorFields, Fleet, Logger } from '@timer/shared';

const ENDPOINTS_TTL_MS = 2000;
/** A controller whose heartbeat is older than this is not nudged (it beats every 5 s). */
const STALE_AFTER_MS = 15_000;
const NUDGE_TIMEOUT_MS = 500;

export interface Nudger {
  nudge(): void;
}

export class ControllerNudger implements Nudger {
  private endpoints: string[] = [];
  private fetchedAt = -Infinity;
  private running = false;
  private again = false;

  constructor(
    private readonly fleet: Pick<Fleet, 'liveEndpoints'>,
    private readonly logger: Logger,
  ) {}

  nudge(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.round().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.nudge();
      }
    });
  }

  private async round(): Promise<void> {
    try {
      if (Date.now() - this.fetchedAt > ENDPOINTS_TTL_MS) {
        this.endpoints = await this.fleet.liveEndpoints(STALE_AFTER_MS);
        this.fetchedAt = Date.now();
      }
      await Promise.all(
        this.endpoints.map((endpoint) =>
          fetch(`${endpoint}/nudge`, { method: 'POST', signal: AbortSignal.timeout(NUDGE_TIMEOUT_MS) })
            .then((res) => res.body?.cancel())
            .catch((err) => this.logger.debug('Nudge failed', { endpoint, ...errorFields(err) })),
        ),
      );
    } catch (err) {
      this.logger.debug('Could not list controllers to nudge', errorFields(err));
    }
  }
}
