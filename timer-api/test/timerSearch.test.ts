/**
 * What the dashboard's lists and retries view ask of GET /timers: an id prefix
 * (any case), the timers waiting for a retry, and next_attempt_at, the retry time
 * a waiting timer is sent at (not its fire_at, long past). On MariaDB and SQLite.
 */
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp } from './support';

describe.each(DIALECTS)('searching timers on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_timer_search', {}, dialect);
    api = await startApp(t.config, t.store, { nudger: { nudge: () => undefined } });
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  beforeEach(async () => {
    await t.db.raw('DELETE FROM timer_attempts');
    await t.db.raw('DELETE FROM timers');
  });

  async function createTimer(seconds: number): Promise<{ id: string; fire_at: string; next_attempt_at: string }> {
    const res = await api.http().post('/timers').send({ seconds, url: HOOK_URL });
    expect(res.status).toBe(201);
    return res.body;
  }

  it('finds a timer by a prefix of its id, in either case, and no other', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createTimer(600)).id);
    const target = ids[1];
    // UUIDv7 ids made together share their first characters: take the shortest prefix that tells them apart.
    let n = 1;
    while (ids.filter((id) => id.startsWith(target.slice(0, n))).length > 1) n++;

    const res = await api
      .http()
      .get('/timers')
      .query({ id_prefix: target.slice(0, n).toUpperCase() });

    expect(res.status).toBe(200);
    expect(res.body.items.map((x: { id: string }) => x.id)).toEqual([target]);
    const whole = await api.http().get('/timers').query({ id_prefix: target });
    expect(whole.body.items.map((x: { id: string }) => x.id)).toEqual([target]);
    const common = await api
      .http()
      .get('/timers')
      .query({ id_prefix: target.slice(0, 4) });
    expect(common.body.items.length).toBe(3);
  });

  it.each([['%'], ['0190_'], ['abc def'], ['x'.repeat(37)]])('refuses the id prefix %j', async (prefix) => {
    expectError(await api.http().get('/timers').query({ id_prefix: prefix }), 400, 'validation_failed');
  });

  it('lists the timers waiting for a retry, with the retry time as next_attempt_at', async () => {
    const fresh = await createTimer(600);
    const retried = await createTimer(0);
    expect(fresh.next_attempt_at).toBe(fresh.fire_at);
    const [claim] = await t.store.claims.claimDue({ owner: 'ctl-1', limit: 10, leaseMs: 30_000, lookaheadMs: 0 });
    expect(claim.id).toBe(retried.id);
    await t.store.claims.scheduleRetry('ctl-1', claim, 120_000, 'HTTP 503');

    const res = await api.http().get('/timers').query({ status: 'pending', retrying: true });

    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    const [waiting] = res.body.items;
    expect(waiting).toMatchObject({ id: retried.id, attempts: 1, last_error: 'HTTP 503', fire_at: retried.fire_at });
    const inMs = Date.parse(waiting.next_attempt_at) - Date.now();
    expect(inMs).toBeGreaterThan(100_000);
    expect(inMs).toBeLessThan(125_000);
    const untried = await api.http().get('/timers').query({ status: 'pending', retrying: false });
    expect(untried.body.items.map((x: { id: string }) => x.id)).toEqual([fresh.id]);
    const canceled = await api.http().delete(`/timers/${fresh.id}`);
    expect(canceled.body.next_attempt_at).toBeNull();
  });
});
