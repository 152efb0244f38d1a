/**
 * One info line every ten seconds that anything happened, instead of one line per
 * delivered webhook: at thousands of deliveries a second a line each would cost
 * more CPU than the deliveries. Each delivery is still logged at debug level, and
 * every retry and failure at warn, with its timer id.
 */
import type { Logger } from '@timer/shared';

const INTERVAL_MS = 10_000;

export class ActivityLog {
  private counts = { delivered: 0, retried: 0, failed: 0 };
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly controllerId: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.flush(), INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }

  delivered(): void {
    this.counts.delivered += 1;
  }

  retried(): void {
    this.counts.retried += 1;
  }

  failed(): void {
    this.counts.failed += 1;
  }

  private flush(): void {
    const { delivered, retried, failed } = this.counts;
    if (delivered + retried + failed === 0) return;
    this.logger.info('Webhook activity', {
      controllerId: this.controllerId,
      intervalS: INTERVAL_MS / 1000,
      delivered,
      retried,
      failed,
    });
    this.counts = { delivered: 0, retried: 0, failed: 0 };
  }
}
