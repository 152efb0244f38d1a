/**
 * PATCH /schedules/{id}: the rule, time zone, url and missed-fire rule change,
 * the next occurrence is recomputed (after now and after the last one created),
 * a paused schedule stays paused, bad input changes nothing. Occurrences already
 * created as timers keep what they had; a controller's plan made on the old rule
 * is not written after the change, and one made before a change of the url alone
 * creates its timers with the new url. Both databases.
 */
import { CronRule, isCronProblem, newId } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp, timerRow } from './support';

const OTHER_URL = 'https://example.com/other';

function nextOf(cron: string, timezone: string, afterMs: number): string {
  const rule = CronRule.parse(cron, timezone);
  if (isCronProblem(rule)) throw new Error(rule.message);
  return new Date(rule.nextAfter(afterMs)!).toISOString();
}

describe.each(DIALECTS)('changing a schedule on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_schedule_changes', { MIN_SCHEDULE_INTERVAL_SECONDS: '5' }, dialect);
    api = await startApp(t.config, t.store, { nudger: { nudge() {} } });
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  async function create(body: Record<string, unknown> = {}): Promise<string> {
    const res = await api
      .http()
      .post('/schedules')
      .send({ cron: '*/5 * * * * *', url: HOOK_URL, ...body });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  const patch = (id: string, body: unknown) =>
    api
      .http()
      .patch(`/schedules/${id}`)
      .send(body as object);

  /** What a controller reads and plans: the next occurrence of `id`, and where the schedule goes on. */
  async function planNext(id: string) {
    const { schedules } = await t.store.schedules.findDue({ limit: 100, lookaheadMs: 3_600_000 });
    const schedule = schedules.find((s) => s.id === id)!;
    const at = schedule.nextRunAt;
    const occurrence = { id: newId(), at };
    return { schedule, occurrences: [occurrence], nextRunAt: new Date(at.getTime() + 5000) };
  }

  it('recomputes the next occurrence from a new rule and time zone', async () => {
    const id = await create({ cron: '@hourly' });
    const before = Date.now();

    const res = await patch(id, { cron: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      cron: '0 9 * * MON-FRI',
      timezone: 'Europe/Berlin',
      url: HOOK_URL,
      paused: false,
    });
    expect(res.body.next_run_at).toBe(nextOf('0 9 * * MON-FRI', 'Europe/Berlin', before));
    expect((await api.http().get(`/schedules/${id}`)).body.next_run_at).toBe(res.body.next_run_at);
  });

  it('keeps the timers already created as they were; the next ones come after the last of them', async () => {
    const id = await create();
    const plan = await planNext(id);
    expect(await t.store.schedules.createOccurrences([plan])).toEqual([id]);
    const [created] = plan.occurrences;

    const res = await patch(id, { url: OTHER_URL, on_late: 'skip', max_lateness_seconds: 30 });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ url: OTHER_URL, on_late: 'skip', max_lateness_seconds: 30 });
    expect(Date.parse(res.body.next_run_at as string)).toBeGreaterThan(created.at.getTime());
    expect(await timerRow(t.db, created.id)).toMatchObject({ url: HOOK_URL, status: 'pending' });
  });

  it('a plan a controller made on the old rule is not written after the change', async () => {
    const id = await create();
    const stale = await planNext(id);

    expect((await patch(id, { cron: '*/10 * * * * *' })).status).toBe(200);

    expect(await t.store.schedules.createOccurrences([stale])).toEqual([]);
    expect(await timerRow(t.db, stale.occurrences[0].id)).toBeUndefined();
  });

  it('a plan made before a change of the url alone creates its timers with the new url', async () => {
    const id = await create();
    const plan = await planNext(id);
    const nextBefore = plan.schedule.nextRunAt.toISOString();

    const res = await patch(id, { url: OTHER_URL });
    expect(res.body.next_run_at).toBe(nextBefore);

    expect(await t.store.schedules.createOccurrences([plan])).toEqual([id]);
    expect(await timerRow(t.db, plan.occurrences[0].id)).toMatchObject({ url: OTHER_URL });
  });

  it('leaves a paused schedule paused, with no next occurrence until it is resumed', async () => {
    const id = await create();
    expect((await api.http().post(`/schedules/${id}/pause`)).status).toBe(200);

    const res = await patch(id, { cron: '@daily' });

    expect(res.body).toMatchObject({ cron: '@daily', paused: true, next_run_at: null });
    const resumed = await api.http().post(`/schedules/${id}/resume`);
    expect(resumed.body.next_run_at).toBe(nextOf('@daily', 'UTC', Date.now()));
  });

  it.each([
    ['no field at all', {}],
    ['an expression that is not cron', { cron: '* *' }],
    ['an unknown time zone', { timezone: 'Mars/Base' }],
    ['a rule that fires more often than allowed', { cron: '* * * * * *' }],
    ['a bound without on_late "skip"', { max_lateness_seconds: 30 }],
    ['a url that is not http(s)', { url: 'ftp://example.com/x' }],
  ])('refuses %s with 400, and changes nothing', async (_, body) => {
    const id = await create({ cron: '*/10 * * * * *' });
    const before = (await api.http().get(`/schedules/${id}`)).body;

    expectError(await patch(id, body), 400, 'validation_failed');

    expect((await api.http().get(`/schedules/${id}`)).body).toEqual(before);
  });

  it('answers 404 for an unknown schedule', async () => {
    expectError(await patch('01900000-0000-7000-8000-000000000000', { cron: '@daily' }), 404, 'schedule_not_found');
  });
});
