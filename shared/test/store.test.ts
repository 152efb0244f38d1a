/**
 * The store's claim protocol against a real database: leases, SKIP LOCKED,
 * fencing by lease token, oldest-first order, cancel racing a claim, and the
 * index plan of the due query.
 */
import { v7 as uuidv7 } from 'uuid';
import type { ClaimedTimer } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase('store');
});
afterAll(() => t.drop());
beforeEach(() => t.db.raw('DELETE FROM timers'));

const URL = 'http://127.0.0.1:9/hooks';

async function createDue(count: number, secondsAgo = 1): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = uuidv7();
    ids.push(id);
    await t.store.create({ id, url: URL, delaySeconds: 0 });
  }
  await t.db.raw('UPDATE timers SET fire_at = fire_at - INTERVAL ? SECOND, due_at = due_at - INTERVAL ? SECOND', [
    secondsAgo,
    secondsAgo,
  ]);
  return ids;
}

async function row(id: string) {
  const [rows] = await t.db.raw(
    'SELECT status, locked_by, lease_token, attempts, last_error, due_at, fired_at, TIMESTAMPDIFF(MICROSECOND, NOW(3), due_at) DIV 1000 AS due_in_ms FROM timers WHERE id = ?',
    [id],
  );
  return (rows as Array<Record<string, unknown>>)[0];
}

describe('claiming due timers', () => {
  it('gives the claimer a lease: status firing, its id, a lease expiry in the future', async () => {
    const [id] = await createDue(1);
    const [claim] = await t.store.claimDue('controller-a', 10, 30_000);

    expect(claim).toMatchObject({ id, url: URL, attempt: 1, leaseToken: 1 });
    const r = await row(id);
    expect(r).toMatchObject({ status: 'firing', locked_by: 'controller-a', attempts: 1 });
    expect(Number(r.due_in_ms)).toBeGreaterThan(25_000);
    expect(Number(r.due_in_ms)).toBeLessThanOrEqual(30_000);
  });

  it('does not hand a leased timer to another controller', async () => {
    await createDue(3);
    expect(await t.store.claimDue('a', 10, 30_000)).toHaveLength(3);
    expect(await t.store.claimDue('b', 10, 30_000)).toHaveLength(0);
  });

  it('does not claim timers that are not due yet', async () => {
    await t.store.create({ id: uuidv7(), url: URL, delaySeconds: 60 });
    expect(await t.store.claimDue('a', 10, 30_000)).toHaveLength(0);
  });

  it('splits due timers between concurrent claimers without overlap (SKIP LOCKED)', async () => {
    const ids = await createDue(120);
    const claims = await Promise.all(['a', 'b', 'c', 'd'].map((owner) => t.store.claimDue(owner, 40, 30_000)));
    const claimed = claims.flat().map((c) => c.id);

    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBe(120);
    expect(new Set(claimed)).toEqual(new Set(ids));
  });

  it('claims the oldest due timers first', async () => {
    const ids = [uuidv7(), uuidv7(), uuidv7()];
    for (const [i, id] of ids.entries()) {
      await t.store.create({ id, url: URL, delaySeconds: 0 });
      // the first id is the most overdue
      await t.db.raw('UPDATE timers SET due_at = NOW(3) - INTERVAL ? SECOND WHERE id = ?', [30 - i * 10, id]);
    }
    const claimed = await t.store.claimDue('a', 2, 30_000);
    expect(claimed.map((c) => c.id)).toEqual(ids.slice(0, 2));
  });

  it('takes a timer back when its lease expired, with a newer lease token', async () => {
    const [id] = await createDue(1);
    const [first] = await t.store.claimDue('dead-controller', 10, 30_000);
    await t.db.raw('UPDATE timers SET due_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [id]);

    const [second] = await t.store.claimDue('b', 10, 30_000);
    expect(second).toMatchObject({ id, attempt: 2, leaseToken: first.leaseToken + 1 });
    expect(await row(id)).toMatchObject({ locked_by: 'b', status: 'firing' });
  });
});

describe('recording outcomes under a fence', () => {
  async function claimOne(owner = 'a'): Promise<ClaimedTimer> {
    await createDue(1);
    const [claim] = await t.store.claimDue(owner, 1, 30_000);
    return claim;
  }

  it('marks delivered timers fired and takes them out of the due index', async () => {
    const claim = await claimOne();
    expect(await t.store.completeFired('a', [claim])).toBe(1);
    const r = await row(claim.id);
    expect(r).toMatchObject({ status: 'fired', due_at: null });
    expect(r.fired_at).toBeInstanceOf(Date);
    expect(await t.store.claimDue('b', 10, 30_000)).toHaveLength(0);
  });

  it('ignores an outcome from a claim that is no longer current', async () => {
    const claim = await claimOne();
    await t.db.raw('UPDATE timers SET due_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [claim.id]);
    const [newer] = await t.store.claimDue('b', 1, 30_000);

    expect(await t.store.completeFired('a', [claim])).toBe(0);
    expect(await t.store.scheduleRetry('a', claim, 1000, 'HTTP 500')).toBe(false);
    expect(await t.store.fail('a', claim, 'HTTP 404')).toBe(false);
    expect(await row(claim.id)).toMatchObject({ status: 'firing', locked_by: 'b' });

    expect(await t.store.completeFired('b', [newer])).toBe(1);
  });

  it('ignores an outcome sent under another owner name with the right token', async () => {
    const claim = await claimOne('a');
    expect(await t.store.completeFired('intruder', [claim])).toBe(0);
  });

  it('schedules a retry: pending again, due after the delay, the error kept', async () => {
    const claim = await claimOne();
    expect(await t.store.scheduleRetry('a', claim, 5000, 'HTTP 503')).toBe(true);
    const r = await row(claim.id);
    expect(r).toMatchObject({ status: 'pending', locked_by: null, last_error: 'HTTP 503', attempts: 1 });
    expect(Number(r.due_in_ms)).toBeGreaterThan(3000);
    expect(Number(r.due_in_ms)).toBeLessThanOrEqual(5000);
  });

  it('fails a timer for good', async () => {
    const claim = await claimOne();
    expect(await t.store.fail('a', claim, 'HTTP 404')).toBe(true);
    expect(await row(claim.id)).toMatchObject({ status: 'failed', due_at: null, last_error: 'HTTP 404' });
  });

  it('releases unsent timers for immediate reclaim and takes their attempt back', async () => {
    const claim = await claimOne();
    expect(await t.store.release('a', [claim], false)).toBe(1);
    expect(await row(claim.id)).toMatchObject({ status: 'pending', locked_by: null, attempts: 0 });
    expect(await t.store.claimDue('b', 1, 30_000)).toHaveLength(1);
  });
});

describe('cancel', () => {
  it('a canceled timer is never claimed', async () => {
    const [id] = await createDue(1);
    expect((await t.store.cancel(id)).outcome).toBe('canceled');
    expect(await t.store.claimDue('a', 10, 30_000)).toHaveLength(0);
  });

  it('a claimed timer cannot be canceled', async () => {
    const [id] = await createDue(1);
    await t.store.claimDue('a', 10, 30_000);
    expect((await t.store.cancel(id)).outcome).toBe('not_cancelable');
  });

  it('when cancels race claims, every timer is either canceled or claimed, never both', async () => {
    const ids = await createDue(200);
    const [cancels, claims] = await Promise.all([
      Promise.all(ids.map((id) => t.store.cancel(id))),
      Promise.all([1, 2, 3, 4].map((n) => t.store.claimDue(`c${n}`, 50, 30_000))),
    ]);
    const canceled = new Set(ids.filter((_, i) => cancels[i].outcome === 'canceled'));
    const claimed = new Set(claims.flat().map((c) => c.id));

    for (const id of claimed) expect(canceled.has(id)).toBe(false);
    for (const id of ids) expect(canceled.has(id) || claimed.has(id)).toBe(true);
  });
});

describe('the due query plan', () => {
  it('is a range scan of timers_due_at, whatever else the table holds', async () => {
    // 100,000 pending timers due in a year, plus finished ones, plus 5 due now.
    await t.db.raw(`
      INSERT INTO timers (id, url, status, fire_at, due_at, created_at, updated_at)
      SELECT CONCAT('00000000-0000-7000-8000-', LPAD(n, 12, '0')), 'http://127.0.0.1:9/h', 'pending',
             NOW(3) + INTERVAL 365 DAY, NOW(3) + INTERVAL 365 DAY, NOW(3), NOW(3)
      FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * d.d + 10000 * e.d AS n
            FROM (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                  UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a,
                 (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                  UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b,
                 (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                  UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) c,
                 (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                  UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d,
                 (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                  UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) e) digits
    `);
    await t.db.raw("UPDATE timers SET status = 'fired', due_at = NULL WHERE id LIKE '%0000000000_'");
    await createDue(5);
    await t.db.raw('ANALYZE TABLE timers');

    const [plan] = await t.db.raw(
      'EXPLAIN SELECT id, url, fire_at, attempts, lease_token FROM timers WHERE due_at <= NOW(3) ORDER BY due_at LIMIT 200 FOR UPDATE SKIP LOCKED',
    );
    const [step] = plan as Array<{ key: string; type: string; rows: number; Extra: string | null }>;
    expect(step.key).toBe('timers_due_at');
    expect(step.type).toBe('range');
    expect(step.Extra ?? '').not.toMatch(/filesort/i);
    expect(Number(step.rows)).toBeLessThan(100);

    const started = Date.now();
    expect(await t.store.claimDue('a', 200, 30_000)).toHaveLength(5);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
