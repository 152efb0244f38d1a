/**
 * The store's new statements against a real database, on both dialects: attempts
 * written in the same transaction as their outcome, skip, replay and the attempt
 * numbers that go on across it, the policy a claim hands over, the retention
 * deletes, and the maintenance claim that lets one runner in per interval.
 */
import { v7 as uuidv7 } from 'uuid';
import { AttemptRecord, ClaimedTimer, createDb, select, Store } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { newTimer } from '../../test/helpers/timers';

const URL = 'http://127.0.0.1:9/hooks';
const DAY_MS = 24 * 3600_000;

describe.each(DIALECTS)('history, skip, replay and retention on %s', (dialect) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('history', {}, dialect);
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    await t.db.raw('DELETE FROM timer_attempts');
    await t.db.raw('DELETE FROM timers');
  });

  async function createDue(extra: Partial<Parameters<Store['timers']['create']>[0]> = {}): Promise<string> {
    const id = uuidv7();
    await t.store.timers.create({ ...newTimer(URL, 0, id), ...extra });
    return id;
  }

  async function claim(owner = 'a'): Promise<ClaimedTimer[]> {
    return t.store.claims.claimDue({ owner, limit: 10, leaseMs: 30_000, lookaheadMs: 0 });
  }

  function attemptOf(c: ClaimedTimer, extra: Partial<AttemptRecord> = {}): AttemptRecord {
    return {
      timerId: c.id,
      leaseToken: c.leaseToken,
      attempt: c.attemptNumber,
      startedAt: new Date(),
      finishedAt: new Date(),
      durationMs: 5,
      statusCode: 200,
      errorClass: null,
      error: null,
      outcome: 'delivered',
      controllerId: 'a',
      latenessMs: 1,
      ...extra,
    };
  }

  async function row(id: string): Promise<Record<string, unknown>> {
    const [r] = await select<Record<string, unknown>>(
      t.db,
      5000,
      'SELECT status, attempts, prior_attempts, last_error, due_at, lease_token FROM timers WHERE id = ?',
      [id],
    );
    return r;
  }

  const attemptsOf = (id: string) =>
    select<{ attempt: number; lease_token: number | string; outcome: string; status_code: number | null }>(
      t.db,
      5000,
      'SELECT attempt, lease_token, outcome, status_code FROM timer_attempts WHERE timer_id = ? ORDER BY lease_token',
      [id],
    );

  describe('the attempt history', () => {
    it('is written with the outcome, and a retried write neither fails nor adds a second row', async () => {
      const id = await createDue();
      const [c] = await claim();
      const attempt = attemptOf(c);

      expect(await t.store.claims.completeFired('a', [c], [attempt])).toBe(1);
      // The same write again, as the recorder does when it did not hear the first commit.
      expect(await t.store.claims.completeFired('a', [c], [attempt])).toBe(0);

      expect(await row(id)).toMatchObject({ status: 'fired', attempts: 1 });
      expect(await attemptsOf(id)).toEqual([{ attempt: 1, lease_token: 1, outcome: 'delivered', status_code: 200 }]);
    });

    it('keeps the attempt of a controller that lost its lease, while its outcome is fenced out', async () => {
      const id = await createDue();
      const [stale] = await claim('a');
      await t.db.raw(`UPDATE timers SET due_at = ${t.sql.minus(t.sql.now)} WHERE id = ?`, [t.sql.duration(1000), id]);
      const [current] = await claim('b');

      const retried = await t.store.claims.scheduleRetry(
        'a',
        stale,
        0,
        'HTTP 500',
        attemptOf(stale, { statusCode: 500 }),
      );

      expect(retried).toBe(false);
      expect(await row(id)).toMatchObject({ status: 'firing', attempts: 2 });
      expect(current.leaseToken).toBe(2);
      expect(await attemptsOf(id)).toEqual([{ attempt: 1, lease_token: 1, outcome: 'delivered', status_code: 500 }]);
    });

    it('rolls the outcome back when its attempts cannot be written', async () => {
      const id = await createDue();
      const [c] = await claim();

      const bad = attemptOf(c, { outcome: 'x'.repeat(40) as AttemptRecord['outcome'] });
      // Caught by hand: a driver's error class need not pass jest's cross-realm isError check.
      const failure = await t.store.claims.fail('a', c, 'HTTP 404', bad).then(
        () => null,
        (err: unknown) => err,
      );

      expect(failure).not.toBeNull();

      expect(await row(id)).toMatchObject({ status: 'firing' });
      expect(await attemptsOf(id)).toEqual([]);
    });
  });

  describe('the newest attempts of all timers (the dashboard)', () => {
    it('lists them newest first by finished_at, whichever timer they belong to', async () => {
      const [a, b] = [await createDue(), await createDue()];
      const claims = await claim();
      const [ca, cb] = [a, b].map((id) => claims.find((c) => c.id === id)!);
      const now = Date.now();
      const http = (status: number) => ({ statusCode: status, errorClass: 'http' as const, error: `HTTP ${status}` });
      await t.store.claims.scheduleRetry(
        'a',
        ca,
        0,
        'HTTP 503',
        attemptOf(ca, { finishedAt: new Date(now - 3000), ...http(503), outcome: 'retry' }),
      );
      await t.store.claims.fail(
        'a',
        cb,
        'HTTP 410',
        attemptOf(cb, { finishedAt: new Date(now - 2000), ...http(410), outcome: 'failed' }),
      );
      const [again] = await claim();
      await t.store.claims.completeFired('a', [again], [attemptOf(again, { finishedAt: new Date(now - 1000) })]);

      const recent = await t.store.attempts.recent(10);

      expect(recent.map((r) => [r.timerId, r.attempt, r.statusCode, r.outcome])).toEqual([
        [a, 2, 200, 'delivered'],
        [b, 1, 410, 'failed'],
        [a, 1, 503, 'retry'],
      ]);
      expect(recent[1]).toMatchObject({ controllerId: 'a', latenessMs: 1, error: 'HTTP 410', errorClass: 'http' });
      expect(await t.store.attempts.recent(1)).toEqual([recent[0]]);
    });

    it('reads them from the end of timer_attempts_finished_at, without sorting the history', async () => {
      const query = 'SELECT * FROM timer_attempts ORDER BY finished_at DESC LIMIT 15';
      if (dialect === 'mysql') {
        const digit = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => `SELECT ${d} AS d`).join(' UNION ALL ');
        await t.db.raw(`
          INSERT INTO timer_attempts (timer_id, lease_token, attempt, started_at, finished_at, duration_ms,
                                      status_code, outcome, controller_id, lateness_ms)
          SELECT UUID(), 1, 1, NOW(3) - INTERVAL n SECOND, NOW(3) - INTERVAL n SECOND, 5, 200, 'delivered', 'a', 1
          FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS n
                FROM (${digit}) a, (${digit}) b, (${digit}) c, (${digit}) e) digits`);
        await t.db.raw('ANALYZE TABLE timer_attempts');
        const [plan] = await t.db.raw(`EXPLAIN ${query}`);
        const [step] = plan as Array<{ key: string; rows: number; Extra: string | null }>;
        expect(step.key).toBe('timer_attempts_finished_at');
        expect(step.Extra ?? '').not.toMatch(/filesort/i);
        expect(Number(step.rows)).toBeLessThan(100);
      } else {
        await t.db.raw(`
          WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
          INSERT INTO timer_attempts (timer_id, lease_token, attempt, started_at, finished_at, duration_ms,
                                      status_code, outcome, controller_id, lateness_ms)
          SELECT printf('%036d', i), 1, 1, ${t.sql.now} - i * 1000, ${t.sql.now} - i * 1000, 5, 200, 'delivered', 'a', 1
          FROM n`);
        await t.db.raw('ANALYZE');
        const plan = await select<{ detail: string }>(t.db, 5000, `EXPLAIN QUERY PLAN ${query}`);
        expect(plan.map((p) => p.detail)).toEqual(['SCAN timer_attempts USING INDEX timer_attempts_finished_at']);
      }
      expect(await t.store.attempts.recent(15)).toHaveLength(15);
    });
  });

  describe('the policy a claim hands over', () => {
    it("carries the timer's retry schedule, and its lateness limit only for the fire itself", async () => {
      const id = await createDue({ retry: { maxAttempts: 7, baseMs: 200, maxMs: 900 }, maxLatenessSeconds: 30 });
      const [first] = await claim();

      expect(first).toMatchObject({
        id,
        attempt: 1,
        attemptNumber: 1,
        retry: { maxAttempts: 7, baseMs: 200, maxMs: 900 },
        maxLatenessMs: 30_000,
      });

      await t.store.claims.scheduleRetry('a', first, 0, 'HTTP 503');
      const [retry] = await claim();
      expect(retry).toMatchObject({ attempt: 2, maxLatenessMs: null });
    });

    it('hands over nulls for a timer that follows the service settings', async () => {
      await createDue();
      const [c] = await claim();
      expect(c).toMatchObject({ retry: { maxAttempts: null, baseMs: null, maxMs: null }, maxLatenessMs: null });
    });
  });

  describe('skip', () => {
    it('closes the timer unsent: skipped, out of the due index, the attempt taken back, no history', async () => {
      const id = await createDue({ maxLatenessSeconds: 1 });
      const [c] = await claim();

      expect(await t.store.claims.skip('a', c, 'skipped: 5.0 s late')).toBe(true);

      expect(await row(id)).toMatchObject({
        status: 'skipped',
        attempts: 0,
        due_at: null,
        last_error: 'skipped: 5.0 s late',
      });
      expect(await attemptsOf(id)).toEqual([]);
      expect(await claim()).toEqual([]);
    });

    it('is fenced by the claim', async () => {
      await createDue();
      const [c] = await claim('a');
      expect(await t.store.claims.skip('b', c, 'late')).toBe(false);
      expect(await t.store.claims.skip('a', { id: c.id, leaseToken: c.leaseToken + 1 }, 'late')).toBe(false);
    });
  });

  describe('replay', () => {
    it('starts a new series whose attempt numbers go on from the last one', async () => {
      const id = await createDue({ maxLatenessSeconds: 5 });
      for (let i = 0; i < 2; i++) {
        const [c] = await claim();
        await t.store.claims.scheduleRetry('a', c, 0, 'HTTP 500', attemptOf(c, { statusCode: 500, outcome: 'retry' }));
      }
      const [last] = await claim();
      await t.store.claims.fail('a', last, 'HTTP 500', attemptOf(last, { statusCode: 500, outcome: 'failed' }));

      const replayed = await t.store.timers.replay(id, 1);
      const [next] = await claim();

      expect(replayed).toMatchObject({ outcome: 'replayed', timer: { status: 'pending', attempts: 0, version: 2 } });
      expect(next).toMatchObject({ attempt: 1, attemptNumber: 4, leaseToken: 4, maxLatenessMs: null });
      expect(await row(id)).toMatchObject({ prior_attempts: 3, attempts: 1 });
      await t.store.claims.completeFired('a', [next], [attemptOf(next)]);
      expect((await attemptsOf(id)).map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    });

    it('refuses anything but a failed timer', async () => {
      const id = await createDue();
      expect(await t.store.timers.replay(id, 1)).toMatchObject({ outcome: 'moved', timer: { status: 'pending' } });
      expect(await t.store.timers.replay(uuidv7(), 1)).toEqual({ outcome: 'not_found' });
    });
  });

  describe('retention', () => {
    /** A timer in `status` whose last change was `ageMs` ago, with one attempt. */
    async function finished(status: string, ageMs: number): Promise<string> {
      const id = await createDue();
      const [c] = await claim();
      await t.store.claims.completeFired('a', [c], [attemptOf(c)]);
      await t.db.raw(
        `UPDATE timers SET status = ?, due_at = ${status === 'pending' ? t.sql.now : 'NULL'},
           updated_at = ${t.sql.minus(t.sql.now)} WHERE id = ?`,
        [status, t.sql.duration(ageMs), id],
      );
      return id;
    }

    it('deletes finished timers older than the retention, with their attempts, and nothing else', async () => {
      const old: string[] = [];
      for (const status of ['fired', 'failed', 'canceled', 'skipped']) old.push(await finished(status, 8 * DAY_MS));
      const recent = await finished('fired', 6 * DAY_MS);
      const oldButPending = await finished('pending', 30 * DAY_MS);

      const deleted = await t.store.fleet.deleteFinishedTimers({ retentionMs: 7 * DAY_MS, limit: 100 });

      expect(deleted).toBe(4);
      const left = await select<{ id: string }>(t.db, 5000, 'SELECT id FROM timers ORDER BY id');
      expect(left.map((r) => r.id)).toEqual([recent, oldButPending].sort());
      const attempts = await select<{ timer_id: string }>(t.db, 5000, 'SELECT timer_id FROM timer_attempts');
      expect(attempts.map((a) => a.timer_id).sort()).toEqual([recent, oldButPending].sort());
      for (const id of old) expect(await attemptsOf(id)).toEqual([]);
    });

    it('deletes in batches of the size asked for', async () => {
      for (let i = 0; i < 5; i++) await finished('fired', 8 * DAY_MS);

      expect(await t.store.fleet.deleteFinishedTimers({ retentionMs: 7 * DAY_MS, limit: 2 })).toBe(2);
      expect(await t.store.fleet.deleteFinishedTimers({ retentionMs: 7 * DAY_MS, limit: 2 })).toBe(2);
      expect(await t.store.fleet.deleteFinishedTimers({ retentionMs: 7 * DAY_MS, limit: 2 })).toBe(1);
      expect(await t.store.fleet.deleteFinishedTimers({ retentionMs: 7 * DAY_MS, limit: 2 })).toBe(0);
    });

    it('deletes Idempotency-Keys older than 24 hours and keeps younger ones', async () => {
      await t.db.raw('DELETE FROM idempotency_keys');
      const keys = [
        ['old-1', 25 * 3600_000],
        ['old-2', 48 * 3600_000],
        ['young', 23 * 3600_000],
      ] as const;
      for (const [key, ageMs] of keys) {
        await t.db.raw(
          `INSERT INTO idempotency_keys (owner, idem_key, request_hash, timer_id, created_at)
           VALUES ('anonymous', ?, ?, ?, ${t.sql.minus(t.sql.now)})`,
          [key, 'f'.repeat(64), uuidv7(), t.sql.duration(ageMs)],
        );
      }

      expect(await t.store.fleet.deleteExpiredIdempotencyKeys(1)).toBe(1);
      expect(await t.store.fleet.deleteExpiredIdempotencyKeys(10)).toBe(1);

      const left = await select<{ idem_key: string }>(t.db, 5000, 'SELECT idem_key FROM idempotency_keys');
      expect(left).toEqual([{ idem_key: 'young' }]);
      expect(await t.store.timers.findIdempotencyKey('anonymous', 'young')).toMatchObject({ live: true });
    });
  });

  describe('the maintenance claim', () => {
    beforeEach(() => t.db.raw('DELETE FROM maintenance'));

    it('lets exactly one of many concurrent callers run, then nobody until the interval has passed', async () => {
      const job = (runner: string) => ({ name: 'cleanup', runner, intervalMs: 60_000 });

      const wins = await Promise.all(
        Array.from({ length: 10 }, (_, i) => t.store.fleet.claimMaintenance(job(`c${i}`))),
      );

      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await t.store.fleet.claimMaintenance(job('late'))).toBe(false);
      const [r] = await select<{ run_by: string }>(t.db, 5000, "SELECT run_by FROM maintenance WHERE name = 'cleanup'");
      expect(r.run_by).toBe(`c${wins.indexOf(true)}`);

      await t.db.raw(`UPDATE maintenance SET last_run_at = ${t.sql.minus(t.sql.now)}`, [t.sql.duration(60_001)]);
      expect(await t.store.fleet.claimMaintenance(job('next'))).toBe(true);
    });
  });
});

describe('the maintenance claim on mysql, from two processes', () => {
  it('lets one of two stores with their own connection pools run, however often they race', async () => {
    const t = await createTestDatabase('maintenance_race');
    const other = createDb(t.config);
    const stores = [t.store, new Store(other, t.config.dbQueryTimeoutMs)];
    try {
      for (let round = 0; round < 10; round++) {
        await t.db.raw('DELETE FROM maintenance');
        const wins = await Promise.all(
          [0, 1, 0, 1, 0, 1].map((i, n) =>
            stores[i].fleet.claimMaintenance({ name: 'cleanup', runner: `s${n}`, intervalMs: 60_000 }),
          ),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
      }
    } finally {
      await other.destroy();
      await t.drop();
    }
  });
});
