/**
 * POST /timers/{id}/retry: a failed timer goes back to pending, due now, with a
 * new series of attempts, and the controllers are nudged; anything else is 409 or
 * 404, and leaves the row alone. Both databases.
 */
import { DbTime, select } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp, timerRow } from './support';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

describe.each(DIALECTS)('replaying a timer on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;
  let nudges = 0;

  beforeAll(async () => {
    t = await createTestDatabase('api_replay', {}, dialect);
    api = await startApp(t.config, t.store, { nudger: { nudge: () => void nudges++ } });
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  /** A timer that came due a minute ago and is now in `status`. */
  async function timerIn(status: string, attempts = 3): Promise<string> {
    const res = await api
      .http()
      .post('/timers')
      .send({ fire_at: new Date(Date.now() - 60_000).toISOString(), url: HOOK_URL });
    expect(res.status).toBe(201);
    await t.db.raw(
      `UPDATE timers SET status = ?, due_at = ${status === 'pending' || status === 'firing' ? t.sql.now : 'NULL'},
         attempts = ?, lease_token = ?, last_error = 'HTTP 503', locked_by = 'ctl-1' WHERE id = ?`,
      [status, attempts, attempts, res.body.id],
    );
    return res.body.id as string;
  }

  async function replayColumns(id: string) {
    const [row] = await select<{ prior_attempts: number; lease_token: number | string; locked_by: string | null }>(
      t.db,
      5000,
      `SELECT prior_attempts, lease_token, locked_by, ${t.sql.msBetween('due_at', t.sql.now)} AS overdue_ms,
              updated_at FROM timers WHERE id = ?`,
      [id],
    );
    return row as typeof row & { overdue_ms: number | string; updated_at: DbTime };
  }

  it('puts a failed timer back to pending, due now, attempts reset for a new series, and nudges', async () => {
    const id = await timerIn('failed', 3);
    const nudgesBefore = nudges;

    const res = await api.http().post(`/timers/${id}/retry`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'pending', attempts: 0, time_left: 0, last_error: 'HTTP 503' });
    expect(nudges).toBe(nudgesBefore + 1);
    const row = await timerRow(t.db, id);
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    const extra = await replayColumns(id);
    expect(extra).toMatchObject({ prior_attempts: 3, locked_by: null });
    expect(Number(extra.lease_token)).toBe(3);
    expect(Number(extra.overdue_ms)).toBeGreaterThanOrEqual(0);
    expect(Number(extra.overdue_ms)).toBeLessThan(5000);
  });

  it('adds up the attempts of every series in prior_attempts when replayed again', async () => {
    const id = await timerIn('failed', 2);
    expect((await api.http().post(`/timers/${id}/retry`)).status).toBe(200);
    await t.db.raw("UPDATE timers SET status = 'failed', due_at = NULL, attempts = 4 WHERE id = ?", [id]);

    expect((await api.http().post(`/timers/${id}/retry`)).status).toBe(200);

    expect((await replayColumns(id)).prior_attempts).toBe(6);
  });

  it.each(['pending', 'firing', 'fired', 'canceled', 'skipped'])(
    'answers 409 timer_not_retryable for a %s timer and leaves the row as it was',
    async (status) => {
      const id = await timerIn(status);
      const before = { ...(await timerRow(t.db, id)), ...(await replayColumns(id)), overdue_ms: undefined };
      const nudgesBefore = nudges;

      const res = await api.http().post(`/timers/${id}/retry`);

      expectError(res, 409, 'timer_not_retryable');
      expect(res.body.error.message).toContain(status);
      expect({ ...(await timerRow(t.db, id)), ...(await replayColumns(id)), overdue_ms: undefined }).toEqual(before);
      expect(nudges).toBe(nudgesBefore);
    },
  );

  it.each([
    ['an unknown id', UNKNOWN_ID],
    ['a malformed id', 'not-a-timer-id'],
  ])('answers 404 timer_not_found for %s', async (_what, id) => {
    const res = await api.http().post(`/timers/${id}/retry`);

    expectError(res, 404, 'timer_not_found');
  });
});
