/**
 * The api asks for a held timer back, to change or cancel it (POST
 * /timers/{id}/give-back). If its request has not started, the timer is taken
 * out of the wheel or delivery and will not be sent by this process; the api
 * then writes its change fenced by the same lease token. A claim not (yet) here
 * is promised never to be sent either: a claim's answer can still be on its way
 * from the database when the api asks (the claim committed, the timer is not in
 * the wheel yet), and GivenBackClaims keeps the claim from being sent when it
 * arrives. A promise lives for one lease: after that the claim could not be sent
 * anyway (delivery hands back a timer whose lease is too short).
 */
import type { ClaimedTimer, ClaimRef, Clock, GiveBackAnswer, Logger, TimerHandle } from '@timer/shared';
import type { FencedWrites } from './fenced/fencedWrites';
import type { Wheel } from './wheel/wheel';

/**
 * What giveBack() answered about a claim: taken out unsent (with when it was due
 * to be sent), too late (its request started, or its outcome is being
 * recorded), or not here (and never to be sent by this process under that claim).
 */
export type GiveBack = GiveBackAnswer;

/**
 * How long a given-back timer waits for the api's write before this controller
 * hands it back itself (the api may have failed between the two): then it is due
 * again at its own time instead of at the end of its lease.
 */
export const GIVE_BACK_FALLBACK_MS = 10_000;

export interface GiveBacksDeps {
  wheel: Wheel;
  writes: FencedWrites;
  clock: Clock;
  logger: Logger;
  leaseMs: number;
}

export class GiveBacks {
  private readonly promised: GivenBackClaims;
  private readonly fallbacks = new Set<TimerHandle>();

  constructor(private readonly deps: GiveBacksDeps) {
    this.promised = new GivenBackClaims(deps.clock, deps.leaseMs);
  }

  /** Synchronous, so nothing can start the request between the check and the answer. */
  giveBack(claim: ClaimRef): GiveBack {
    const { wheel, writes } = this.deps;
    // An outcome being recorded: its request was sent.
    if (writes.recordingIds().has(claim.id)) return { outcome: 'started' };
    const removal = wheel.remove(claim.id);
    if (removal.outcome === 'started') return removal;
    if (removal.outcome === 'removed') {
      const { timer } = removal.held;
      if (timer.leaseToken === claim.leaseToken) {
        this.fallBackToRelease(timer);
        return { outcome: 'given_back', dueAt: timer.dueAt };
      }
      // Another claim than the one the api read: ours stands, the api reads again.
      wheel.hold([removal.held]);
      if (timer.leaseToken > claim.leaseToken) return { outcome: 'not_held' };
    }
    this.promised.add(claim);
    return { outcome: 'not_held' };
  }

  /** True for a claim the api was promised would never be sent: dropped as it arrives. */
  isPromised(claim: ClaimRef): boolean {
    return this.promised.has(claim);
  }

  /** Shutdown: no fallback hand-back is left pending; the shutdown hands back everything still held. */
  stop(): void {
    for (const handle of this.fallbacks) this.deps.clock.clearTimer(handle);
    this.fallbacks.clear();
  }

  /**
   * The api writes its change right after a give-back; if it never does (it
   * failed in between), the timer is handed back here so that it is sent at its
   * own time, not when the lease ends. Fenced: after the api's write it matches
   * nothing.
   */
  private fallBackToRelease(timer: ClaimedTimer): void {
    const { clock, writes, logger } = this.deps;
    const handle = clock.setTimer(GIVE_BACK_FALLBACK_MS, () => {
      this.fallbacks.delete(handle);
      void writes
        .releaseClaimedInDoubt([timer])
        .then((released) => {
          if (released > 0) logger.warn('Given-back timer not changed by the api; handed back', { timerId: timer.id });
        })
        .catch(() => undefined);
    });
    this.fallbacks.add(handle);
  }
}

/** Claims this controller has promised the api never to send, each for one lease. */
class GivenBackClaims {
  /** lease token by timer id, with when the entry may go (host clock). */
  private readonly claims = new Map<string, { leaseToken: number; untilMs: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly leaseMs: number,
  ) {}

  add(claim: ClaimRef): void {
    this.sweep();
    this.claims.set(claim.id, { leaseToken: claim.leaseToken, untilMs: this.clock.now() + this.leaseMs });
  }

  /** True for a claim the api was promised would never be sent. */
  has(claim: ClaimRef): boolean {
    return this.claims.get(claim.id)?.leaseToken === claim.leaseToken;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, entry] of this.claims) if (entry.untilMs <= now) this.claims.delete(id);
  }
}
