/**
 * Claims this controller has promised the api never to send: a give-back it
 * answered for a timer it did not hold (yet). A claim's answer can still be on
 * its way from the database when the api asks (the claim committed, the timer is
 * not in the wheel yet): the api then writes its change fenced by that claim's
 * lease token, and this list keeps the claim from being sent when it arrives.
 * An entry lives for one lease: after that the claim could not be sent anyway
 * (delivery hands back a timer whose lease is too short).
 */
import type { ClaimRef, Clock } from '@timer/shared';

export class GivenBackClaims {
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

  get size(): number {
    return this.claims.size;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, entry] of this.claims) if (entry.untilMs <= now) this.claims.delete(id);
  }
}
