/**
 * A timer's own retry schedule (`retry`) and missed-fire policy (`on_late`,
 * `max_lateness_seconds`): validated, stored on the row, shown by GET.
 */
import { select } from '@timer/shared';
import { countTimers, createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp } from './support';

describe.each(DIALECTS)('delivery policies on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_policies', {}, dialect);
    api = await startApp(t.config, t.store);
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  async function policyRow(id: string) {
    const [row] = await select<Record<string, unknown>>(
      t.db,
      5000,
      'SELECT max_attempts, retry_base_ms, retry_max_ms, max_lateness_s FROM timers WHERE id = ?',
      [id],
    );
    return row;
  }

  it('shows the service defaults as nulls and on_late "fire" when none are given', async () => {
    const res = await api.http().post('/timers').send({ seconds: 60, url: HOOK_URL });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      retry: { max_attempts: null, base_ms: null, max_ms: null },
      on_late: 'fire',
      max_lateness_seconds: null,
    });
    expect(await policyRow(res.body.id)).toEqual({
      max_attempts: null,
      retry_base_ms: null,
      retry_max_ms: null,
      max_lateness_s: null,
    });
  });

  it('stores a retry schedule and a skip policy, and GET shows them', async () => {
    const res = await api
      .http()
      .post('/timers')
      .send({
        seconds: 60,
        url: HOOK_URL,
        retry: { max_attempts: 10, base_ms: 2000, max_ms: 600_000 },
        on_late: 'skip',
        max_lateness_seconds: 300,
      });

    expect(res.status).toBe(201);
    const expected = {
      retry: { max_attempts: 10, base_ms: 2000, max_ms: 600_000 },
      on_late: 'skip',
      max_lateness_seconds: 300,
    };
    expect(res.body).toMatchObject(expected);
    expect((await api.http().get(`/timers/${res.body.id}`)).body).toMatchObject(expected);
    expect(await policyRow(res.body.id)).toEqual({
      max_attempts: 10,
      retry_base_ms: 2000,
      retry_max_ms: 600_000,
      max_lateness_s: 300,
    });
  });

  it('stores only the retry fields given; the others follow the service settings', async () => {
    const res = await api
      .http()
      .post('/timers')
      .send({ seconds: 60, url: HOOK_URL, retry: { max_attempts: 1 } });

    expect(res.status).toBe(201);
    expect(res.body.retry).toEqual({ max_attempts: 1, base_ms: null, max_ms: null });
    expect(await policyRow(res.body.id)).toMatchObject({ max_attempts: 1, retry_base_ms: null, retry_max_ms: null });
  });

  it.each([
    ['max_attempts 0', { retry: { max_attempts: 0 } }, 'retry.max_attempts'],
    ['max_attempts 51', { retry: { max_attempts: 51 } }, 'retry.max_attempts'],
    ['base_ms under 100', { retry: { base_ms: 99 } }, 'retry.base_ms'],
    ['base_ms over an hour', { retry: { base_ms: 3_600_001 } }, 'retry.base_ms'],
    ['max_ms over a day', { retry: { max_ms: 86_400_001 } }, 'retry.max_ms'],
    ['max_ms under base_ms', { retry: { base_ms: 5000, max_ms: 4000 } }, 'retry.max_ms'],
    ['an unknown retry field', { retry: { jitter: true } }, 'jitter'],
    ['a fractional max_attempts', { retry: { max_attempts: 2.5 } }, 'retry.max_attempts'],
    ['retry not an object', { retry: 3 }, 'retry'],
    ['an unknown on_late', { on_late: 'later' }, 'on_late'],
    ['skip without max_lateness_seconds', { on_late: 'skip' }, 'max_lateness_seconds'],
    ['max_lateness_seconds without skip', { max_lateness_seconds: 5 }, 'max_lateness_seconds'],
    ['max_lateness_seconds with fire', { on_late: 'fire', max_lateness_seconds: 5 }, 'max_lateness_seconds'],
    ['max_lateness_seconds 0', { on_late: 'skip', max_lateness_seconds: 0 }, 'max_lateness_seconds'],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_what, fields, path) => {
    const before = await countTimers(t.db);

    const res = await api
      .http()
      .post('/timers')
      .send({ seconds: 60, url: HOOK_URL, ...fields });

    expectError(res, 400, 'validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await countTimers(t.db)).toBe(before);
  });
});
