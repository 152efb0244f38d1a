/**
 * The fenced writes against a real database: a write whose answer was lost
 * after it committed is not reported as a lost lease when its retry finds the
 * rows already written; a claim another controller took over is, and only it;
 * timers handed back one at a time (a breaker opening over thousands of held
 * timers) are written together, not one statement each.
 */
import { createSilentLogger, Metrics, Store, systemClock } from '@timer/shared';
import type { ClaimRef } from '@timer/shared';
import { FencedWrites } from '@timer/controller';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { newTimer, statusCounts } from '../../test/helpers/timers';

const URL = 'http://127.0.0.1:9/hooks';

describe('recording outcomes', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('outcomes');
  });
  afterAll(() => t.drop());
  beforeEach(() => t.db.raw('DELETE FROM timers'));

  async function claimedBy(owner: string, count: number): Promise<ClaimRef[]> {
    for (let i = 0; i < count; i++) await t.store.timers.create(newTimer(URL, 0));
    return t.store.claims.claimDue({ owner, limit: count, leaseMs: 30_000, lookaheadMs: 0 });
  }

  /** A store whose first completeFired commits and then reports the connection lost. */
  function storeLosingFirstAnswer(): Store {
    const store = new Store(t.db, 5000);
    let first = true;
    const completeFired = store.claims.completeFired.bind(store.claims);
    store.claims.completeFired = async (owner, claims) => {
      const changed = await completeFired(owner, claims);
      if (!first) return changed;
      first = false;
      throw Object.assign(new Error('Connection lost: The server closed the connection.'), {
        code: 'PROTOCOL_CONNECTION_LOST',
      });
    };
    return store;
  }

  function recorder(store: Store, metrics: Metrics): FencedWrites {
    return new FencedWrites({
      claims: store.claims,
      clock: systemClock,
      owner: 'me',
      logger: createSilentLogger(),
      metrics,
      retryBaseMs: 10,
      retryMaxMs: 50,
      leaseMs: 30_000,
      batchWindowMs: 5,
    });
  }

  it('does not count a write that landed before its answer was lost as lost leases', async () => {
    const claims = await claimedBy('me', 5);
    const metrics = new Metrics({ processMetrics: false });
    const outcomes = recorder(storeLosingFirstAnswer(), metrics);

    claims.forEach((c) => outcomes.fired(c));
    expect(await outcomes.drain(10_000)).toBe(true);

    expect(await statusCounts(t.db)).toEqual({ fired: 5 });
    expect((await metrics.leasesLost.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('counts only the claims another controller has taken over', async () => {
    const claims = await claimedBy('me', 4);
    // One lease expires and another controller claims that timer.
    await t.db.raw('UPDATE timers SET due_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [claims[0].id]);
    const [taken] = await t.store.claims.claimDue({ owner: 'other', limit: 1, leaseMs: 30_000, lookaheadMs: 0 });
    expect(taken.id).toBe(claims[0].id);
    const metrics = new Metrics({ processMetrics: false });
    const outcomes = recorder(storeLosingFirstAnswer(), metrics);

    claims.forEach((c) => outcomes.fired(c));
    expect(await outcomes.drain(10_000)).toBe(true);

    expect(await statusCounts(t.db)).toEqual({ fired: 3, firing: 1 });
    expect((await metrics.leasesLost.get()).values[0]?.value).toBe(1);
  });

  it('writes timers handed back one at a time by the gate together, and resolves each once written', async () => {
    const claims = await claimedBy('me', 300);
    const store = new Store(t.db, 5000);
    const releaseUnsent = store.claims.releaseUnsent.bind(store.claims);
    const writes: number[] = [];
    store.claims.releaseUnsent = (owner, timers, leaseMs) => {
      writes.push(timers.length);
      return releaseUnsent(owner, timers, leaseMs);
    };
    const outcomes = recorder(store, new Metrics({ processMetrics: false }));

    const handedBack = claims.map((c) => outcomes.releaseUnsent([c], 'gate'));
    await Promise.all(handedBack);

    expect(writes).toEqual([300]);
    expect(await statusCounts(t.db)).toEqual({ pending: 300 });
    expect(outcomes.backlog).toBe(0);
  });

  it('writes a set handed back for a shutdown at once, without waiting for the window', async () => {
    const claims = await claimedBy('me', 3);
    const store = new Store(t.db, 5000);
    const releaseUnsent = store.claims.releaseUnsent.bind(store.claims);
    let written = 0;
    store.claims.releaseUnsent = (owner, timers, leaseMs) => {
      written += timers.length;
      return releaseUnsent(owner, timers, leaseMs);
    };
    const outcomes = recorder(store, new Metrics({ processMetrics: false }));

    const done = outcomes.releaseUnsent(claims, 'shutdown');
    expect(written).toBe(3); // started synchronously, before any window passed
    await done;
    expect(await statusCounts(t.db)).toEqual({ pending: 3 });
  });
});
