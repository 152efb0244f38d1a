/**
 * The claims part of the store, in memory, on a clock the test moves: the same
 * rules as the SQL files (claimDueTimers, completeFired, scheduleRetry,
 * failTimer, skipTimer, releaseUnsent, releaseAbandoned; each write fenced by
 * owner, lease token and status) without a database, so a controller can run
 * entirely on a FakeClock. `now` is the database's clock.
 */
import { PLAIN_WEBHOOK } from '@timer/shared';
import type {
  AttemptRecord,
  ClaimedTimer,
  ClaimRef,
  ClaimRequest,
  Claims,
  RetryPolicy,
  TimerStatus,
  WebhookSpec,
} from '@timer/shared';

export interface Row {
  id: string;
  tenant: string;
  url: string;
  status: TimerStatus;
  fireAt: number;
  dueAt: number | null;
  attempts: number;
  priorAttempts: number;
  leaseToken: number;
  lockedBy: string | null;
  lastError: string | null;
  retry: RetryPolicy;
  maxLatenessS: number | null;
  version: number;
  /** What it sends; absent: the plain webhook. */
  webhook?: WebhookSpec;
}

export interface NewRow {
  id: string;
  fireAt: number;
  tenant?: string;
  url?: string;
  retry?: Partial<RetryPolicy>;
  maxLatenessS?: number | null;
  version?: number;
  webhook?: WebhookSpec;
}

type Method = keyof Pick<Claims, keyof Claims>;

export class MemoryClaims implements Pick<Claims, keyof Claims> {
  readonly rows = new Map<string, Row>();
  readonly history: AttemptRecord[] = [];
  /** Every call, in order: what a test can count (polls, writes). */
  readonly calls: Array<{ method: Method; at: number }> = [];
  /** Makes the next calls of a method fail like a lost connection; `afterWrite`: after doing the write. */
  private failures: Array<{ method: Method; afterWrite: boolean }> = [];

  constructor(private readonly now: () => number) {}

  add(row: NewRow): Row {
    const stored: Row = {
      tenant: 'default',
      url: 'http://receiver.test/hooks',
      status: 'pending',
      dueAt: row.fireAt,
      attempts: 0,
      priorAttempts: 0,
      leaseToken: 0,
      lockedBy: null,
      lastError: null,
      maxLatenessS: null,
      version: 1,
      ...row,
      retry: { maxAttempts: null, baseMs: null, maxMs: null, ...row.retry },
    };
    this.rows.set(row.id, stored);
    return stored;
  }

  row(id: string): Row {
    const row = this.rows.get(id);
    if (!row) throw new Error(`no row ${id}`);
    return row;
  }

  failNext(method: Method, afterWrite = false): void {
    this.failures.push({ method, afterWrite });
  }

  async webhookSpecs(ids: readonly string[]): Promise<Map<string, WebhookSpec>> {
    return this.call('webhookSpecs', () => {
      const specs = new Map<string, WebhookSpec>();
      for (const id of ids) {
        const row = this.rows.get(id);
        if (row) specs.set(id, row.webhook ?? PLAIN_WEBHOOK);
      }
      return specs;
    });
  }

  async claimDue(claim: ClaimRequest): Promise<ClaimedTimer[]> {
    return this.call('claimDue', () => {
      const now = this.now();
      const due = [...this.rows.values()]
        .filter((r) => r.dueAt !== null && r.dueAt <= now + claim.lookaheadMs)
        .filter((r) => r.status === 'pending' || (r.status === 'firing' && r.dueAt! <= now))
        .sort((a, b) => a.dueAt! - b.dueAt!)
        .slice(0, claim.limit);
      return due.map((r) => {
        const untried = r.priorAttempts === 0 && r.lastError === null;
        const claimed: ClaimedTimer = {
          id: r.id,
          tenant: r.tenant,
          url: r.url,
          fireAt: new Date(r.fireAt),
          dueAt: new Date(r.dueAt!),
          attempt: r.attempts + 1,
          attemptNumber: r.priorAttempts + r.attempts + 1,
          leaseToken: r.leaseToken + 1,
          retry: r.retry,
          maxLatenessMs: r.maxLatenessS !== null && untried ? r.maxLatenessS * 1000 : null,
          version: r.version,
          customWebhook: r.webhook !== undefined,
          notify: false,
        };
        Object.assign(r, {
          status: 'firing',
          lockedBy: claim.owner,
          leaseToken: r.leaseToken + 1,
          attempts: r.attempts + 1,
          dueAt: Math.max(r.dueAt!, now) + claim.leaseMs,
        });
        return claimed;
      });
    });
  }

  async completeFired(owner: string, claims: readonly ClaimRef[], attempts: readonly AttemptRecord[] = []) {
    return this.call('completeFired', () => {
      this.history.push(...attempts);
      return this.fenced(owner, claims, (r) => Object.assign(r, { status: 'fired', dueAt: null, lastError: null }));
    });
  }

  async scheduleRetry(owner: string, claim: ClaimRef, delayMs: number, error: string, attempt?: AttemptRecord) {
    return this.call('scheduleRetry', () => {
      if (attempt) this.history.push(attempt);
      const now = this.now();
      return (
        this.fenced(owner, [claim], (r) =>
          Object.assign(r, { status: 'pending', dueAt: now + delayMs, lastError: error, lockedBy: null }),
        ) === 1
      );
    });
  }

  async fail(owner: string, claim: ClaimRef, error: string, attempt?: AttemptRecord) {
    return this.call('fail', () => {
      if (attempt) this.history.push(attempt);
      return (
        this.fenced(owner, [claim], (r) => Object.assign(r, { status: 'failed', dueAt: null, lastError: error })) === 1
      );
    });
  }

  async skip(owner: string, claim: ClaimRef, reason: string) {
    return this.call(
      'skip',
      () =>
        this.fenced(owner, [claim], (r) =>
          Object.assign(r, { status: 'skipped', dueAt: null, lastError: reason, attempts: r.attempts - 1 }),
        ) === 1,
    );
  }

  async releaseUnsent(owner: string, claims: readonly ClaimRef[], leaseMs: number) {
    return this.call('releaseUnsent', () => {
      const now = this.now();
      return this.fenced(owner, claims, (r) =>
        Object.assign(r, {
          status: 'pending',
          lockedBy: null,
          dueAt: Math.max(now, r.dueAt! - leaseMs),
          attempts: r.attempts - 1,
        }),
      );
    });
  }

  async releaseAbandoned(owner: string, claims: readonly ClaimRef[], attempts: readonly AttemptRecord[]) {
    return this.call('releaseAbandoned', () => {
      this.history.push(...attempts);
      const now = this.now();
      return this.fenced(owner, claims, (r) => Object.assign(r, { status: 'pending', lockedBy: null, dueAt: now }));
    });
  }

  async heldBy(owner: string): Promise<ClaimRef[]> {
    return this.call('heldBy', () =>
      [...this.rows.values()]
        .filter((r) => r.status === 'firing' && r.lockedBy === owner)
        .map((r) => ({ id: r.id, leaseToken: r.leaseToken })),
    );
  }

  async takenOver(claims: readonly ClaimRef[]): Promise<string[]> {
    return this.call('takenOver', () =>
      claims.filter((c) => this.rows.get(c.id)?.leaseToken !== c.leaseToken).map((c) => c.id),
    );
  }

  private fenced(owner: string, claims: readonly ClaimRef[], change: (row: Row) => void): number {
    let changed = 0;
    for (const claim of claims) {
      const row = this.rows.get(claim.id);
      if (!row || row.leaseToken !== claim.leaseToken || row.lockedBy !== owner || row.status !== 'firing') continue;
      change(row);
      changed += 1;
    }
    return changed;
  }

  private call<T>(method: Method, run: () => T): T {
    this.calls.push({ method, at: this.now() });
    const at = this.failures.findIndex((f) => f.method === method);
    if (at < 0) return run();
    const [failure] = this.failures.splice(at, 1);
    if (failure.afterWrite) run();
    throw Object.assign(new Error('Connection lost: The server closed the connection.'), {
      code: 'PROTOCOL_CONNECTION_LOST',
    });
  }
}
