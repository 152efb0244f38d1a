/**
 * POST /timers with an absolute fire_at instead of a delay: the answer and the row,
 * on both databases.
 */
import { countTimers, createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp, timerRow } from './support';

describe.each(DIALECTS)('fire_at on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_fire_at', { MAX_DELAY_SECONDS: '86400' }, dialect);
    api = await startApp(t.config, t.store);
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  /** An RFC 3339 time `ms` from now, written with a +02:00 offset. */
  function inTwoHourZone(ms: number): { text: string; utc: string } {
    const at = new Date(Date.now() + ms);
    const local = new Date(at.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    return { text: local, utc: at.toISOString() };
  }

  it('fires at an absolute time given with an offset: 201, fire_at in UTC, and the row due then', async () => {
    const { text, utc } = inTwoHourZone(600_000);

    const res = await api.http().post('/timers').send({ fire_at: text, url: HOOK_URL });

    expect(res.status).toBe(201);
    expect(res.body.fire_at).toBe(utc);
    expect(res.body.time_left).toBeGreaterThanOrEqual(599);
    expect(res.body.time_left).toBeLessThanOrEqual(601);
    const row = await timerRow(t.db, res.body.id);
    expect(row).toMatchObject({ status: 'pending' });
    expect(row!.fire_at.toISOString()).toBe(utc);
    expect(row!.due_at!.toISOString()).toBe(utc);
  });

  it('accepts a fire_at in the past and makes it due at once, keeping the time asked for', async () => {
    const past = new Date(Date.now() - 3600_000).toISOString();

    const res = await api.http().post('/timers').send({ fire_at: past, url: HOOK_URL });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ fire_at: past, time_left: 0, status: 'pending' });
    const row = await timerRow(t.db, res.body.id);
    expect(row!.fire_at.toISOString()).toBe(past);
    // Due now, not an hour ago: a late timer does not jump the queue of those already due.
    expect(row!.due_at!.getTime()).toBe(row!.created_at.getTime());
  });

  it('accepts exactly the delay cap and refuses one second more', async () => {
    const before = await countTimers(t.db);
    const created = Date.now();

    const far = await api
      .http()
      .post('/timers')
      .send({ fire_at: new Date(created + 86_400_000 + 5000).toISOString(), url: HOOK_URL });

    expectError(far, 400, 'validation_failed');
    expect(far.body.error.details).toEqual([{ path: 'fire_at', message: expect.stringContaining('86400') }]);
    expect(await countTimers(t.db)).toBe(before);

    const near = await api
      .http()
      .post('/timers')
      .send({ fire_at: new Date(created + 86_400_000 - 5000).toISOString(), url: HOOK_URL });
    expect(near.status).toBe(201);
  });

  it.each([
    ['with seconds', { seconds: 5 }],
    ['with hours: 0', { hours: 0 }],
  ])('refuses fire_at together with a delay (%s) with 400 and writes nothing', async (_what, delay) => {
    const before = await countTimers(t.db);

    const res = await api
      .http()
      .post('/timers')
      .send({ ...delay, fire_at: new Date(Date.now() + 60_000).toISOString(), url: HOOK_URL });

    expectError(res, 400, 'validation_failed');
    expect(res.body.error.details).toEqual([
      { path: 'fire_at', message: 'fire_at cannot be combined with hours, minutes or seconds' },
    ]);
    expect(await countTimers(t.db)).toBe(before);
  });

  it.each([
    ['no offset', '2030-01-01T12:00:00'],
    ['a date only', '2030-01-01'],
    ['not a time', 'tomorrow'],
    ['a number', 1_900_000_000],
    ['an impossible date', '2030-02-30T12:00:00Z'],
  ])('refuses a fire_at with %s with 400 and writes nothing', async (_what, fireAt) => {
    const before = await countTimers(t.db);

    const res = await api.http().post('/timers').send({ fire_at: fireAt, url: HOOK_URL });

    expectError(res, 400, 'validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('fire_at');
    expect(await countTimers(t.db)).toBe(before);
  });
});
