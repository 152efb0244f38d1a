/**
 * Tells the running controllers to poll now, when a timer was just stored that
 * is due before their next poll would find it. Best effort: a lost nudge only
 * means that timer waits for the next poll. Calls that arrive while a nudge is
 * under way are folded into one more round, so a burst of creates costs a
 * couple of requests per controller, not one per timer. A controller in this
 * process (`npm start`) is nudged in-process; the others over HTTP with the
 * internal token.
 */
import { errorFields, Fleet, LocalControllers, Logger } from '@timer/shared';
import type { LiveController } from '@timer/shared';
import { internalHeaders } from './internalCalls';

const ENDPOINTS_TTL_MS = 2000;
/** A controller whose heartbeat is older than this is not nudged (it beats every 5 s). */
export const STALE_AFTER_MS = 15_000;
const NUDGE_TIMEOUT_MS = 500;

export interface Nudger {
  nudge(): void;
}

export class ControllerNudger implements Nudger {
  private controllers: LiveController[] = [];
  private fetchedAt = -Infinity;
  private running = false;
  private again = false;

  constructor(
    private readonly fleet: Pick<Fleet, 'liveControllers'>,
    private readonly logger: Logger,
    private readonly internalToken: string | null = null,
    private readonly local: LocalControllers = new LocalControllers(),
  ) {}

  nudge(): void {
    for (const controller of this.local.all()) controller.nudge();
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
        const local = new Set(this.local.ids());
        this.controllers = (await this.fleet.liveControllers(STALE_AFTER_MS)).filter((c) => !local.has(c.id));
        this.fetchedAt = Date.now();
      }
      await Promise.all(
        this.controllers.map(({ endpoint }) =>
          fetch(`${endpoint}/nudge`, {
            method: 'POST',
            headers: internalHeaders(this.internalToken),
            signal: AbortSignal.timeout(NUDGE_TIMEOUT_MS),
          })
            .then((res) => res.body?.cancel())
            .catch((err) => this.logger.debug('Nudge failed', { endpoint, ...errorFields(err) })),
        ),
      );
    } catch (err) {
      this.logger.debug('Could not list controllers to nudge', errorFields(err));
    }
  }
}
