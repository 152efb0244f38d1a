/**
 * The timers as a controller holds them: claiming due timers under a lease, and
 * every write made under a claim afterwards, each fenced by owner and lease token
 * (fired, retry, failed, skipped, released), with the attempt it led to in the
 * same transaction. Each query is its own file under sql/.
 */
import type { Knex } from 'knex';
import type { ClaimGate } from '../flows/gate';
import { AtRest } from '../crypto/atRest';
import type { DataKeyError } from '../crypto/dataKeys';
import { ClaimBatch, claimDueTimers } from './sql/claimDueTimers';
import { completeFired } from './sql/completeFired';
import { failTimer } from './sql/failTimer';
import { findHeldBy } from './sql/findHeldBy';
import { findTakenOver } from './sql/findTakenOver';
import { findWebhookSpecs } from './sql/findWebhookSpecs';
import { releaseAbandoned } from './sql/releaseAbandoned';
import { releaseUnsent } from './sql/releaseUnsent';
import { scheduleRetry } from './sql/scheduleRetry';
import { skipTimer } from './sql/skipTimer';
import type { WebhookSpec } from '../webhooks/spec';
import type { AttemptRecord, ClaimedTimer, ClaimRef } from './types';

export interface ClaimRequest {
  owner: string;
  limit: number;
  leaseMs: number;
  lookaheadMs: number;
}

export class Claims {
  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
    private readonly atRest: AtRest = AtRest.none(),
  ) {}

  async claimDue(claim: ClaimRequest): Promise<ClaimedTimer[]> {
    return (await claimDueTimers(this.db, this.timeoutMs, this.atRest, claim)).timers;
  }

  /** The same claim through a gate: timers of limited flows are parked, those of blocked origins deferred. */
  claimDueParking(claim: ClaimRequest, gate: ClaimGate): Promise<ClaimBatch> {
    return claimDueTimers(this.db, this.timeoutMs, this.atRest, claim, gate);
  }

  /** Each outcome below writes its attempts (the delivery history) in the same transaction. */
  completeFired(owner: string, claims: readonly ClaimRef[], attempts?: readonly AttemptRecord[]): Promise<number> {
    return completeFired(this.db, this.timeoutMs, this.atRest, owner, claims, attempts);
  }

  scheduleRetry(
    owner: string,
    claim: ClaimRef,
    delayMs: number,
    error: string,
    attempt?: AttemptRecord,
  ): Promise<boolean> {
    return scheduleRetry(this.db, this.timeoutMs, owner, claim, delayMs, error, attempt);
  }

  fail(owner: string, claim: ClaimRef, error: string, attempt?: AttemptRecord): Promise<boolean> {
    return failTimer(this.db, this.timeoutMs, this.atRest, owner, claim, error, attempt);
  }

  skip(owner: string, claim: ClaimRef, reason: string): Promise<boolean> {
    return skipTimer(this.db, this.timeoutMs, this.atRest, owner, claim, reason);
  }

  /** No request was sent: the attempt is taken back, due at its own time. `leaseMs`: the lease the claims were given. */
  releaseUnsent(owner: string, claims: readonly ClaimRef[], leaseMs: number): Promise<number> {
    return releaseUnsent(this.db, this.timeoutMs, owner, claims, leaseMs);
  }

  /** Requests started and aborted: the attempts stay counted and go into the history, due at once. */
  releaseAbandoned(owner: string, claims: readonly ClaimRef[], attempts: readonly AttemptRecord[]): Promise<number> {
    return releaseAbandoned(this.db, this.timeoutMs, owner, claims, attempts);
  }

  /** What these held timers send, read when their requests start (a DataKeyError: sealed under a key not held). */
  webhookSpecs(ids: readonly string[]): Promise<Map<string, WebhookSpec | DataKeyError>> {
    return findWebhookSpecs(this.db, this.timeoutMs, this.atRest, ids);
  }

  /** The claims the database records `owner` as holding right now. */
  heldBy(owner: string): Promise<ClaimRef[]> {
    return findHeldBy(this.db, this.timeoutMs, owner);
  }

  /** Ids among `claims` whose timer has been claimed again since (by any controller). */
  takenOver(claims: readonly ClaimRef[]): Promise<string[]> {
    return findTakenOver(this.db, this.timeoutMs, claims);
  }
}
