/**
 * What a timer sends, read when its request starts: a claimed timer carries only
 * whether it has its own request (ClaimedTimer.customWebhook), so the thousands
 * a controller holds ahead of time (MAX_HELD) weigh a few hundred bytes each
 * whatever their bodies, and bodies are in memory only for the requests open at
 * once (MAX_IN_FLIGHT). Reads that start together go out as one query
 * (Coalescer): a burst of N custom timers costs about N / 100 round trips.
 */
import { Coalescer, PLAIN_WEBHOOK } from '@timer/shared';
import type { ClaimedTimer, Claims, DataKeyError, WebhookSpec } from '@timer/shared';

interface Wanted {
  id: string;
  spec?: WebhookSpec | DataKeyError;
}

/** Ids per query: far below every driver's limit on bound values. */
const MAX_BATCH = 100;

export class WebhookSpecs {
  private readonly reads: Coalescer<Wanted>;

  constructor(claims: Pick<Claims, 'webhookSpecs'>) {
    this.reads = new Coalescer(
      async (wanted) => {
        const specs = await claims.webhookSpecs(wanted.map((w) => w.id));
        for (const w of wanted) w.spec = specs.get(w.id);
      },
      { maxBatch: MAX_BATCH, maxConcurrent: 2 },
    );
  }

  /**
   * The timer's request; rejects when the database cannot say (the caller hands the timer back).
   * A DataKeyError: it is sealed under a data key not held (the attempt fails the timer).
   */
  async of(timer: ClaimedTimer): Promise<WebhookSpec | DataKeyError> {
    if (!timer.customWebhook) return PLAIN_WEBHOOK;
    const wanted: Wanted = { id: timer.id };
    await this.reads.add(wanted);
    if (!wanted.spec) throw new Error(`timer ${timer.id} was not found when reading what it sends`);
    return wanted.spec;
  }
}
