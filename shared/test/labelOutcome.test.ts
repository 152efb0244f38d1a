/**
 * timer_labels.outcome on both databases: every write that moves a labelled
 * timer into or out of a final status sets its label rows' outcome (fired,
 * failed, skipped by the controller; canceled one by one, by label, or with its
 * schedule; replayed back to live), so GET /timers?label=…&status=… lists exactly
 * the timers in that status, page by page, for a tenant and for an admin key. A
 * write that lost its lease leaves the rows alone, unlabelled timers have none,
 * and the migration backfills the column from timers.status.
 */
import { ClaimedTimer, FINISHED_STATUSES, newId, NewTimer, ScheduleAdvance, select, TimerStatus } from '@timer/shared';
import * as addOutcome from '../src/db/migrations/20261207300000_add_timer_labels_outcome';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { newTimer } from '../../test/helpers/timers';

const URL = 'http://127.0.0.1:9/hooks';
const TENANT = 'acme';

describe.each(DIALECTS)('label outcomes on %s', (dialect) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('label_outcome', {}, dialect);
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    await t.db.raw('DELETE FROM timer_labels');
    await t.db.raw('DELETE FROM timer_attempts');
    await t.db.raw('DELETE FROM timers');
  });

  /** `count` timers in TENANT, due `delayMs` from now, with `labels` (none: unlabelled). */
  async function create(count: number, labels?: Record<string, string>, delayMs = -1000): Promise<string[]> {
    const timers: NewTimer[] = Array.from({ length: count }, () => ({
      ...newTimer(URL, delayMs),
      tenant: TENANT,
      ...(labels ? { labels } : {}),
    }));
    await t.store.timers.createBatch(timers);
    return timers.map((x) => x.id);
  }

  async function claimAll(): Promise<Map<string, ClaimedTimer>> {
    const claimed = await t.store.claims.claimDue({ owner: 'a', limit: 1000, leaseMs: 60_000, lookaheadMs: 0 });
    return new Map(claimed.map((c) => [c.id, c]));
  }

  /** Every page of the listing, 3 at a time, following the cursor: the ids in order. */
  async function listed(
    status: TimerStatus,
    labels: string[] = ['order:42'],
    tenant: string | null = TENANT,
  ): Promise<string[]> {
    const ids: string[] = [];
    let beforeId: string | undefined;
    for (;;) {
      const page = await t.store.timers.list({ status, labels, limit: 3, tenant, beforeId });
      for (const timer of page) expect(timer.status).toBe(status);
      ids.push(...page.map((x) => x.id));
      if (page.length < 3) return ids;
      beforeId = page[page.length - 1].id;
    }
  }

  const newestFirst = (ids: string[]) => [...ids].sort().reverse();

  /** Each label row's outcome is its timer's status if final, else NULL. */
  async function expectOutcomesFollow(): Promise<void> {
    const rows = await select<{ timer_id: string; outcome: string | null; status: TimerStatus }>(
      t.db,
      5000,
      'SELECT l.timer_id, l.outcome, t.status FROM timer_labels l JOIN timers t ON t.id = l.timer_id',
    );
    expect(rows.length).toBeGreaterThan(0);
    const final = FINISHED_STATUSES as readonly string[];
    for (const row of rows) {
      expect({ id: row.timer_id, outcome: row.outcome }).toEqual({
        id: row.timer_id,
        outcome: final.includes(row.status) ? row.status : null,
      });
    }
  }

  const labelRowsOf = (id: string) =>
    select<{ outcome: string | null }>(t.db, 5000, 'SELECT outcome FROM timer_labels WHERE timer_id = ?', [id]);

  it('fired, failed and skipped by the controller: each status lists exactly its timers, page by page', async () => {
    const order42 = await create(12, { order: '42', kind: 'x' });
    const order7 = await create(3, { order: '7' });
    const plain = await create(2);
    const claims = await claimAll();
    expect(claims.size).toBe(17);
    for (const id of [...order42, ...order7]) expect(claims.get(id)!.labelled).toBe(true);
    for (const id of plain) expect(claims.get(id)!.labelled).toBe(false);

    const fired = order42.slice(0, 4);
    const failed = order42.slice(4, 8);
    const skipped = order42.slice(8, 10);
    const firing = order42.slice(10);
    const claimOf = (id: string) => claims.get(id)!;
    // One batch mixes this label's timers, another label's and unlabelled ones.
    const batch = [...fired, order7[0], ...plain].map(claimOf);
    expect(await t.store.claims.completeFired('a', batch)).toBe(batch.length);
    for (const id of failed) expect(await t.store.claims.fail('a', claimOf(id), 'HTTP 500')).toBe(true);
    for (const id of skipped) expect(await t.store.claims.skip('a', claimOf(id), 'too late')).toBe(true);

    expect(await listed('fired')).toEqual(newestFirst(fired));
    expect(await listed('failed')).toEqual(newestFirst(failed));
    expect(await listed('skipped')).toEqual(newestFirst(skipped));
    expect(await listed('firing')).toEqual(newestFirst(firing));
    expect(await listed('pending')).toEqual([]);
    expect(await listed('canceled')).toEqual([]);
    // A second label, probed for each row of the first label's range.
    expect(await listed('failed', ['order:42', 'kind:x'])).toEqual(newestFirst(failed));
    expect(await listed('failed', ['order:42', 'kind:y'])).toEqual([]);
    expect(await listed('fired', ['order:7'])).toEqual([order7[0]]);
    expect(await listed('firing', ['order:7'])).toEqual(newestFirst(order7.slice(1)));
    // An admin key (every tenant), and another tenant.
    expect(await listed('failed', ['order:42'], null)).toEqual(newestFirst(failed));
    expect(await listed('firing', ['order:42'], null)).toEqual(newestFirst(firing));
    expect(await listed('failed', ['order:42'], 'other')).toEqual([]);
    await expectOutcomesFollow();
  });

  it('a batch of outcomes where one claim lost its lease leaves that timer live', async () => {
    const ids = await create(3, { order: '42' });
    const claims = await claimAll();
    const stale = { ...claims.get(ids[1])!, leaseToken: claims.get(ids[1])!.leaseToken + 1 };
    const batch = [claims.get(ids[0])!, stale, claims.get(ids[2])!];

    expect(await t.store.claims.completeFired('a', batch)).toBe(2);
    expect(await t.store.claims.fail('a', stale, 'HTTP 500')).toBe(false);

    expect(await labelRowsOf(ids[1])).toEqual([{ outcome: null }]);
    expect(await listed('fired')).toEqual(newestFirst([ids[0], ids[2]]));
    expect(await listed('firing')).toEqual([ids[1]]);
    await expectOutcomesFollow();
  });

  it('canceled one by one and by label, and replayed: the listing follows', async () => {
    const later = await create(8, { order: '42' }, 3_600_000);
    const plain = await create(1, undefined, 3_600_000);
    const version = async (id: string) => (await t.store.timers.find(id, TENANT))!.version;

    // Not known whether labelled, known labelled, and known unlabelled.
    expect((await t.store.timers.cancel(later[0], { from: 'pending', version: await version(later[0]) })).outcome).toBe(
      'canceled',
    );
    const fence = { from: 'pending' as const, version: await version(later[1]), labelled: true };
    expect((await t.store.timers.cancel(later[1], fence, TENANT)).outcome).toBe('canceled');
    const plainFence = { from: 'pending' as const, version: await version(plain[0]), labelled: false };
    expect((await t.store.timers.cancel(plain[0], plainFence, TENANT)).outcome).toBe('canceled');
    expect(await labelRowsOf(plain[0])).toEqual([]);
    // A fence that no longer holds changes nothing.
    expect((await t.store.timers.cancel(later[2], { from: 'pending', version: 999 }, TENANT)).outcome).toBe('moved');

    // By label: the oldest pending ones.
    const byLabel = await t.store.timers.cancelByLabels({
      labels: ['order:42'],
      limit: 3,
      countCap: 100,
      tenant: TENANT,
    });
    expect(byLabel.canceled.sort()).toEqual(later.slice(2, 5));
    expect(byLabel.remaining).toBe(3);

    expect(await listed('canceled')).toEqual(newestFirst(later.slice(0, 5)));
    expect(await listed('pending')).toEqual(newestFirst(later.slice(5)));
    await expectOutcomesFollow();

    // Failed, then replayed: back to live.
    const due = await create(3, { order: '42' });
    const claims = await claimAll();
    expect(claims.size).toBe(3);
    for (const id of due) expect(await t.store.claims.fail('a', claims.get(id)!, 'HTTP 500')).toBe(true);
    expect(await listed('failed')).toEqual(newestFirst(due));
    await expectOutcomesFollow();

    expect((await t.store.timers.replay(due[0], await version(due[0]), TENANT)).outcome).toBe('replayed');
    expect((await t.store.timers.replay(due[1], await version(due[1]), TENANT, null, true)).outcome).toBe('replayed');
    expect(await labelRowsOf(due[0])).toEqual([{ outcome: null }]);
    expect(await listed('failed')).toEqual([due[2]]);
    expect(await listed('pending')).toEqual(newestFirst([...later.slice(5), due[0], due[1]]));
    await expectOutcomesFollow();
  });

  it("a schedule's occurrences: created skipped or live, and canceled with the schedule", async () => {
    await t.db.raw('DELETE FROM schedules');
    const schedule = async (labels?: Record<string, string>) => {
      const id = newId();
      await t.store.schedules.create({
        id,
        cron: '* * * * * *',
        timezone: 'UTC',
        url: URL,
        owner: null,
        tenant: TENANT,
        nextRunAt: new Date(Date.now() + 60_000),
        createdAt: new Date(),
        ...(labels ? { labels } : {}),
      });
      return id;
    };
    const labelled = await schedule({ job: 'nightly' });
    const plain = await schedule();
    const { schedules } = await t.store.schedules.findDue({ limit: 10, lookaheadMs: 120_000 });
    expect(schedules).toHaveLength(2);
    const base = Date.now() + 60_000;
    const planned = new Map<string, string[]>();
    const advances: ScheduleAdvance[] = schedules.map((s) => {
      const occurrences = [0, 1, 2].map((i) => ({
        id: newId(),
        at: new Date(base + i * 1000),
        ...(i === 0 ? { skipped: 'too many pending' } : {}),
      }));
      planned.set(
        s.id,
        occurrences.map((o) => o.id),
      );
      return { schedule: s, occurrences, nextRunAt: new Date(base + 3000) };
    });
    expect((await t.store.schedules.createOccurrences(advances)).sort()).toEqual([labelled, plain].sort());
    const [skipped, ...live] = planned.get(labelled)!;
    expect(await listed('skipped', ['job:nightly'])).toEqual([skipped]);
    expect(await listed('pending', ['job:nightly'])).toEqual(newestFirst(live));
    await expectOutcomesFollow();

    expect(await t.store.schedules.pause(labelled)).toMatchObject({ outcome: 'changed' });
    expect(await t.store.schedules.delete(plain)).toBe(true);

    expect(await listed('canceled', ['job:nightly'])).toEqual(newestFirst(live));
    expect(await listed('pending', ['job:nightly'])).toEqual([]);
    expect(await listed('skipped', ['job:nightly'])).toEqual([skipped]);
    for (const id of planned.get(plain)!) expect(await labelRowsOf(id)).toEqual([]);
    await expectOutcomesFollow();
  });

  it('cancel by label for an admin key (every tenant) sets the outcome in each tenant', async () => {
    const mine = await create(2, { order: '42' }, 3_600_000);
    const theirs: NewTimer[] = Array.from({ length: 2 }, () => ({
      ...newTimer(URL, 3_600_000),
      tenant: 'other',
      labels: { order: '42' },
    }));
    await t.store.timers.createBatch(theirs);

    const result = await t.store.timers.cancelByLabels({
      labels: ['order:42'],
      limit: 10,
      countCap: 100,
      tenant: null,
    });

    expect(result.canceled.sort()).toEqual([...mine, ...theirs.map((x) => x.id)].sort());
    expect(result.remaining).toBe(0);
    expect(await listed('canceled', ['order:42'], null)).toEqual(newestFirst(result.canceled));
    expect(await listed('canceled', ['order:42'], 'other')).toEqual(newestFirst(theirs.map((x) => x.id)));
    expect(await listed('pending', ['order:42'], null)).toEqual([]);
    await expectOutcomesFollow();
  });

  it('the migration backfills the outcome of existing label rows from the timers', async () => {
    const ids = await create(6, { order: '42' });
    const claims = await claimAll();
    await t.store.claims.completeFired('a', [claims.get(ids[0])!]);
    await t.store.claims.fail('a', claims.get(ids[1])!, 'HTTP 500');
    await t.store.claims.skip('a', claims.get(ids[2])!, 'too late');
    // ids[3..5] stay firing.
    const later = await create(2, { order: '42', kind: 'x' }, 3_600_000);
    await t.store.timers.cancel(later[0], { from: 'pending', version: 1 }, TENANT);

    await addOutcome.down(t.db);
    await addOutcome.up(t.db);
    // Up again on MySQL is a no-op (each step checks); SQLite runs it in one transaction, once.
    if (dialect === 'mysql') await addOutcome.up(t.db);

    await expectOutcomesFollow();
    expect(await labelRowsOf(later[0])).toEqual([{ outcome: 'canceled' }, { outcome: 'canceled' }]);
    expect(await listed('fired')).toEqual([ids[0]]);
    expect(await listed('failed')).toEqual([ids[1]]);
    expect(await listed('skipped')).toEqual([ids[2]]);
    expect(await listed('firing')).toEqual(newestFirst(ids.slice(3)));
    expect(await listed('canceled')).toEqual([later[0]]);
    expect(await listed('pending', ['order:42', 'kind:x'])).toEqual([later[1]]);
  });
});
