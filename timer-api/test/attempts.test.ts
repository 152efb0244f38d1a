/**
 * GET /timers/{id}/attempts: the delivery history the controllers wrote with each
 * outcome, oldest first, a page at a time; 404 for a timer that does not exist.
 * Both databases.
 */
import { AttemptRecord, ClaimedTimer } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp } from './support';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

describe.each(DIALECTS)('the attempts of a timer on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_attempts', {}, dialect);
    api = await startApp(t.config, t.store);
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  async function claimOne(id: string): Promise<ClaimedTimer> {
    const claimed = await t.store.claims.claimDue({ owner: 'ctl-1', limit: 10, leaseMs: 30_000, lookaheadMs: 0 });
    const mine = claimed.find((c) => c.id === id);
    expect(mine).toBeDefined();
    return mine!;
  }

  function attemptOf(claim: ClaimedTimer, answer: Partial<AttemptRecord>): AttemptRecord {
    const startedAt = new Date(Date.now() - 50);
    return {
      timerId: claim.id,
      leaseToken: claim.leaseToken,
      attempt: claim.attemptNumber,
      startedAt,
      finishedAt: new Date(startedAt.getTime() + 42),
      durationMs: 42,
      statusCode: 200,
      errorClass: null,
      error: null,
      outcome: 'delivered',
      controllerId: 'ctl-1',
      latenessMs: 3,
      ...answer,
    };
  }

  it('lists each attempt with its answer, oldest first, as the controller recorded it with the outcome', async () => {
    const { body: timer } = await api.http().post('/timers').send({ url: HOOK_URL });
    const first = await claimOne(timer.id);
    const failed = attemptOf(first, { statusCode: 503, errorClass: 'http', error: 'HTTP 503', outcome: 'retry' });
    expect(await t.store.claims.scheduleRetry('ctl-1', first, 0, 'HTTP 503', failed)).toBe(true);
    const second = await claimOne(timer.id);
    const delivered = attemptOf(second, { latenessMs: 7 });
    expect(await t.store.claims.completeFired('ctl-1', [second], [delivered])).toBe(1);

    const res = await api.http().get(`/timers/${timer.id}/attempts`);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        {
          attempt: 1,
          started_at: failed.startedAt.toISOString(),
          finished_at: failed.finishedAt.toISOString(),
          duration_ms: 42,
          status_code: 503,
          error_class: 'http',
          error: 'HTTP 503',
          outcome: 'retry',
          controller_id: 'ctl-1',
          lateness_ms: 3,
          lease_token: 1,
        },
        {
          attempt: 2,
          started_at: delivered.startedAt.toISOString(),
          finished_at: delivered.finishedAt.toISOString(),
          duration_ms: 42,
          status_code: 200,
          error_class: null,
          error: null,
          outcome: 'delivered',
          controller_id: 'ctl-1',
          lateness_ms: 7,
          lease_token: 2,
        },
      ],
      next_cursor: null,
    });
    expect((await api.http().get(`/timers/${timer.id}`)).body).toMatchObject({ status: 'fired', attempts: 2 });
  });

  it('pages through the history with limit and cursor', async () => {
    const { body: timer } = await api.http().post('/timers').send({ url: HOOK_URL });
    for (let i = 0; i < 3; i++) {
      const claim = await claimOne(timer.id);
      const attempt = attemptOf(claim, { statusCode: 500, errorClass: 'http', error: 'HTTP 500', outcome: 'retry' });
      await t.store.claims.scheduleRetry('ctl-1', claim, 0, 'HTTP 500', attempt);
    }

    const page1 = await api.http().get(`/timers/${timer.id}/attempts?limit=2`);
    const page2 = await api
      .http()
      .get(`/timers/${timer.id}/attempts`)
      .query({ limit: 2, cursor: page1.body.next_cursor });

    expect(page1.body.items.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2]);
    expect(typeof page1.body.next_cursor).toBe('string');
    expect(page2.body.items.map((a: { attempt: number }) => a.attempt)).toEqual([3]);
    expect(page2.body.next_cursor).toBeNull();
  });

  it('answers an empty list for a timer not sent yet', async () => {
    const { body: timer } = await api.http().post('/timers').send({ seconds: 600, url: HOOK_URL });

    const res = await api.http().get(`/timers/${timer.id}/attempts`);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], next_cursor: null });
  });

  it.each([
    ['an unknown id', UNKNOWN_ID],
    ['a malformed id', 'not-a-timer-id'],
  ])('answers 404 timer_not_found for %s', async (_what, id) => {
    const res = await api.http().get(`/timers/${id}/attempts`);

    expectError(res, 404, 'timer_not_found');
  });

  it.each([
    ['limit 0', 'limit=0'],
    ['limit 101', 'limit=101'],
    ['a garbage cursor', 'cursor=garbage!!'],
    ['an unknown parameter', 'status=fired'],
  ])('answers 400 validation_failed for %s', async (_what, query) => {
    const { body: timer } = await api.http().post('/timers').send({ seconds: 600, url: HOOK_URL });

    const res = await api.http().get(`/timers/${timer.id}/attempts?${query}`);

    expectError(res, 400, 'validation_failed');
  });
});
