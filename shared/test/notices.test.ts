/**
 * Completion notices in the store, on both databases: the write that ends a
 * timer's series (fired, failed, skipped) creates one pending notice timer in the
 * same transaction, to the callback its outcome names, carrying the timer as the
 * api shows it; a write that lost its lease creates none; a timer without
 * callbacks writes nothing more; the notice outlives the parent's retention.
 */
import { ClaimedTimer, decodeWebhookSpec, select } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { newTimer } from '../../test/helpers/timers';

const URL = 'http://127.0.0.1:9/hooks';
const ON_SUCCESS = 'http://127.0.0.1:9/notices/ok';
const ON_FAILURE = 'http://127.0.0.1:9/notices/failed';

interface NoticeRow {
  id: string;
  url: string;
  status: string;
  webhook: string | null;
  callbacks: string | null;
  tenant: string;
}

describe.each(DIALECTS)('completion notices on %s', (dialect) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('notices', {}, dialect);
  });
  afterAll(() => t.drop());
  beforeEach(() => t.db.raw('DELETE FROM timers'));

  async function claimOne(callbacks = { onSuccess: ON_SUCCESS, onFailure: ON_FAILURE }): Promise<ClaimedTimer> {
    const timer = { ...newTimer(URL, -1000), callbacks, labels: { order: '42' }, tenant: 'acme' };
    await t.store.timers.create(timer);
    const [claimed] = await t.store.claims.claimDue({ owner: 'a', limit: 1, leaseMs: 30_000, lookaheadMs: 0 });
    expect(claimed.id).toBe(timer.id);
    return claimed;
  }

  const notices = (parent: string) =>
    select<NoticeRow>(
      t.db,
      5000,
      'SELECT id, url, status, webhook, callbacks, tenant FROM timers WHERE id <> ? ORDER BY id',
      [parent],
    );

  function bodyOf(row: NoticeRow) {
    const spec = decodeWebhookSpec(row.webhook);
    expect(spec.appendId).toBe(false);
    expect(spec.content?.kind).toBe('payload');
    return (spec.content as { value: Record<string, unknown> }).value as {
      type: string;
      outcome: string;
      last_error: string | null;
      timer: Record<string, unknown>;
    };
  }

  it('a timer that fired gets one success notice with its snapshot, in its tenant, with no callbacks of its own', async () => {
    const claimed = await claimOne();
    expect(claimed.notify).toBe(true);

    expect(await t.store.claims.completeFired('a', [claimed])).toBe(1);

    const [notice, ...more] = await notices(claimed.id);
    expect(more).toEqual([]);
    expect(notice).toMatchObject({ url: ON_SUCCESS, status: 'pending', callbacks: null, tenant: 'acme' });
    const body = bodyOf(notice);
    expect(body).toMatchObject({ type: 'timer.succeeded', outcome: 'fired', last_error: null });
    expect(body.timer).toMatchObject({
      id: claimed.id,
      status: 'fired',
      labels: { order: '42' },
      callbacks: { on_success: ON_SUCCESS, on_failure: ON_FAILURE },
    });
  });

  it('a failed timer gets one failure notice with the last error; a skipped one too', async () => {
    const failed = await claimOne();
    expect(await t.store.claims.fail('a', failed, 'HTTP 404')).toBe(true);
    const [notice] = await notices(failed.id);
    expect(notice.url).toBe(ON_FAILURE);
    expect(bodyOf(notice)).toMatchObject({ type: 'timer.failed', outcome: 'failed', last_error: 'HTTP 404' });

    await t.db.raw('DELETE FROM timers');
    const skipped = await claimOne();
    expect(await t.store.claims.skip('a', skipped, 'too late')).toBe(true);
    const [skipNotice] = await notices(skipped.id);
    expect(bodyOf(skipNotice)).toMatchObject({ type: 'timer.failed', outcome: 'skipped', last_error: 'too late' });
  });

  it('sends no notice when the outcome has no callback, when the lease was lost, or when the timer has none', async () => {
    const onlyFailure = await claimOne({ onFailure: ON_FAILURE } as never);
    await t.store.claims.completeFired('a', [onlyFailure]);
    expect(await notices(onlyFailure.id)).toEqual([]);

    await t.db.raw('DELETE FROM timers');
    const stale = await claimOne();
    expect(await t.store.claims.completeFired('a', [{ ...stale, leaseToken: stale.leaseToken + 5 }])).toBe(0);
    expect(await notices(stale.id)).toEqual([]);

    await t.db.raw('DELETE FROM timers');
    await t.store.timers.create(newTimer(URL, -1000));
    const [plain] = await t.store.claims.claimDue({ owner: 'a', limit: 1, leaseMs: 30_000, lookaheadMs: 0 });
    expect(plain.notify).toBe(false);
    await t.store.claims.fail('a', plain, 'HTTP 404');
    expect(await notices(plain.id)).toEqual([]);
  });

  it('keeps a pending notice when retention deletes its parent', async () => {
    const failed = await claimOne();
    await t.store.claims.fail('a', failed, 'HTTP 404');

    expect(await t.store.fleet.deleteFinishedTimers({ retentionMs: 0, limit: 100 })).toBe(1);

    const rows = await select<{ id: string; status: string }>(t.db, 5000, 'SELECT id, status FROM timers');
    expect(rows).toHaveLength(1);
    expect(rows[0].id).not.toBe(failed.id);
    expect(rows[0].status).toBe('pending');
  });
});
