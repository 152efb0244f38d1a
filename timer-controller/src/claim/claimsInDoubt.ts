/**
 * A claim that failed on a lost connection may have committed on the server
 * before the answer was lost. Its timers are ours in the database but unknown
 * here: nobody would send them until their lease ran out. Once the database
 * answers again, every timer it says we hold that this process does not know
 * (not in the wheel, not in delivery, not waiting for its outcome to be written)
 * is handed back, fenced by its claim with its attempt taken back, and claimed
 * again at once.
 */
import type { Claims, Logger } from '@timer/shared';
import type { FencedWrites } from '../fenced/fencedWrites';

export interface ClaimsInDoubtDeps {
  owner: string;
  claims: Pick<Claims, 'heldBy'>;
  writes: Pick<FencedWrites, 'releaseClaimedInDoubt'>;
  logger: Logger;
  /** Every timer this process knows it holds. */
  knownIds: () => Set<string>;
}

export class ClaimsInDoubt {
  private inDoubt = false;

  constructor(private readonly deps: ClaimsInDoubtDeps) {}

  /** A claim failed after it may have reached the database. */
  suspect(): void {
    this.inDoubt = true;
  }

  /** Before the next claim: hands back what the database says we hold and we do not know. */
  async resolve(): Promise<void> {
    if (!this.inDoubt) return;
    const { owner, claims, writes, logger, knownIds } = this.deps;
    const known = knownIds();
    const unknown = (await claims.heldBy(owner)).filter((c) => !known.has(c.id));
    if (unknown.length > 0) {
      const released = await writes.releaseClaimedInDoubt(unknown);
      logger.warn('Released timers claimed by a claim whose answer was lost', {
        controllerId: owner,
        count: released,
        timerIds: unknown.slice(0, 20).map((c) => c.id),
      });
    }
    this.inDoubt = false;
  }
}
