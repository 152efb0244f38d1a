/**
 * The /schedules routes against the real app on a real database: create, read,
 * list, pause, resume, delete, every answer checked and the row behind it. The
 * occurrences themselves are the controllers' work (timer-controller/test/schedules.test.ts).
 * Runs on MariaDB/MySQL and on the embedded mode's SQLite file.
 */
import { CronRule, isCronProblem, select } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, rawRequest, RunningApi, startApp } from './support';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';
const SCHEDULE_FIELDS = [
  'append_id',
  'body',
  'callbacks',
  'content_type',
  'created_at',
  'cron',
  'headers',
  'id',
  'labels',
  'last_occurrence_at',
  'max_lateness_seconds',
  'method',
  'next_run_at',
  'on_late',
  'paused',
  'timezone',
  'updated_at',
  'url',
];

function nextOf(cron: string, timezone: string, after: Date): string {
  const rule = CronRule.parse(cron, timezone);
  if (isCronProblem(rule)) throw new Error(rule.message);
  return new Date(rule.nextAfter(after.getTime())!).toISOString();
}

describe.each(DIALECTS)('the /schedules api on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;
  const nudges: number[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('api_schedules', {}, dialect);
    api = await startApp(t.config, t.store, { nudger: { nudge: () => nudges.push(Date.now()) } });
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  async function create(body: Record<string, unknown>) {
    const res = await api.http().post('/schedules').send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; next_run_at: string; [field: string]: unknown };
  }

  async function row(id: string) {
    const [r] = await select<Record<string, unknown>>(
      t.db,
      5000,
      'SELECT cron, timezone, url, owner, paused, next_run_at FROM schedules WHERE id = ?',
      [id],
    );
    return (
      r && {
        ...r,
        paused: Number(r.paused),
        next_run_at: r.next_run_at === null ? null : t.sql.date(r.next_run_at as Date),
      }
    );
  }

  describe('POST /schedules', () => {
    it('creates a schedule: 201, Location, the full shape, its first occurrence in the time zone, and the row', async () => {
      const res = await api
        .http()
        .post('/schedules')
        .send({ cron: '30 2 * * *', timezone: 'Europe/Berlin', url: HOOK_URL });

      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/schedules/${res.body.id}`);
      expect(Object.keys(res.body).sort()).toEqual(SCHEDULE_FIELDS);
      expect(res.body).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        url: HOOK_URL,
        paused: false,
        last_occurrence_at: null,
        on_late: 'fire',
        max_lateness_seconds: null,
      });
      expect(res.body.next_run_at).toBe(nextOf('30 2 * * *', 'Europe/Berlin', new Date(res.body.created_at)));
      expect(await row(res.body.id)).toMatchObject({
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        url: HOOK_URL,
        owner: 'anonymous',
        paused: 0,
        next_run_at: new Date(res.body.next_run_at),
      });
    });

    it('takes a missed-fire rule for its occurrences, as POST /timers does, and stores it', async () => {
      const body = await create({ cron: '*/5 * * * *', url: HOOK_URL, on_late: 'skip', max_lateness_seconds: 60 });

      expect(body).toMatchObject({ on_late: 'skip', max_lateness_seconds: 60 });
      expect((await api.http().get(`/schedules/${body.id}`)).body).toEqual(body);
      const [r] = await select<{ max_lateness_s: number | null }>(
        t.db,
        5000,
        'SELECT max_lateness_s FROM schedules WHERE id = ?',
        [body.id],
      );
      expect(r.max_lateness_s).toBe(60);
      expect(await create({ cron: '*/5 * * * *', url: HOOK_URL, on_late: 'fire' })).toMatchObject({
        on_late: 'fire',
        max_lateness_seconds: null,
      });
    });

    it('lists every problem at once: a bad expression and a bad missed-fire rule', async () => {
      const res = await api.http().post('/schedules').send({ cron: '61 * * * *', url: HOOK_URL, on_late: 'skip' });

      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
        'cron',
        'max_lateness_seconds',
      ]);
    });

    it('reads the expression in UTC when no time zone is given, and takes a seconds field', async () => {
      const body = await create({ cron: '*/10 * * * * *', url: HOOK_URL });

      expect(body.timezone).toBe('UTC');
      expect(Date.parse(body.next_run_at) % 10_000).toBe(0);
    });

    it('tells the controllers at once about a first occurrence within their lookahead', async () => {
      nudges.length = 0;
      await create({ cron: '* * * * * *', url: HOOK_URL });
      expect(nudges.length).toBe(1);
      await create({ cron: '0 0 1 1 *', url: HOOK_URL });
      expect(nudges.length).toBe(1);
    });

    it.each([
      [{ cron: '* * * *', url: HOOK_URL }, 'cron'],
      [{ cron: '61 * * * *', url: HOOK_URL }, 'cron'],
      [{ cron: '0 0 30 2 *', url: HOOK_URL }, 'cron'],
      [{ cron: '', url: HOOK_URL }, 'cron'],
      [{ cron: 5, url: HOOK_URL }, 'cron'],
      [{ cron: '* * * * * * *', url: HOOK_URL }, 'cron'],
      [{ cron: '* * * * *', timezone: 'Mars/Olympus_Mons', url: HOOK_URL }, 'timezone'],
      [{ cron: '* * * * *', timezone: '+02:00', url: HOOK_URL }, 'timezone'],
      [{ cron: '* * * * *', url: 'ftp://example.com/x' }, 'url'],
      [{ cron: '* * * * *' }, 'body'],
      [{ cron: '* * * * *', url: HOOK_URL, seconds: 5 }, 'seconds'],
      [{ cron: '* * * * *', url: HOOK_URL, on_late: 'later' }, 'on_late'],
      [{ cron: '* * * * *', url: HOOK_URL, on_late: 'skip' }, 'max_lateness_seconds'],
      [{ cron: '* * * * *', url: HOOK_URL, max_lateness_seconds: 5 }, 'max_lateness_seconds'],
      [{ cron: '* * * * *', url: HOOK_URL, on_late: 'fire', max_lateness_seconds: 5 }, 'max_lateness_seconds'],
      [{ cron: '* * * * *', url: HOOK_URL, on_late: 'skip', max_lateness_seconds: 0 }, 'max_lateness_seconds'],
    ])('refuses %j with 400 validation_failed naming %s, and stores nothing', async (body, path) => {
      const [{ n: before }] = await select<{ n: number }>(t.db, 5000, 'SELECT COUNT(*) AS n FROM schedules');

      const res = await api.http().post('/schedules').send(body);

      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      const [{ n: after }] = await select<{ n: number }>(t.db, 5000, 'SELECT COUNT(*) AS n FROM schedules');
      expect(Number(after)).toBe(Number(before));
    });

    it('refuses a body that is not JSON with 415 or 400, like POST /timers', async () => {
      expectError(
        await rawRequest(api.port, { method: 'POST', path: '/schedules', body: Buffer.from('cron=*') }),
        415,
        'unsupported_media_type',
      );
      expectError(
        await rawRequest(api.port, {
          method: 'POST',
          path: '/schedules',
          headers: { 'Content-Type': 'application/json' },
          body: Buffer.from('{"cron": '),
        }),
        400,
        'invalid_json',
      );
    });
  });

  describe('GET /schedules/{id} and GET /schedules', () => {
    it('reads a schedule back as it was created', async () => {
      const created = await create({ cron: '0 9 * * MON-FRI', timezone: 'America/New_York', url: HOOK_URL });

      const res = await api.http().get(`/schedules/${created.id}`);

      expect(res.status).toBe(200);
      expect(res.body).toEqual(created);
    });

    it.each([UNKNOWN_ID, 'not-an-id', UNKNOWN_ID.toUpperCase()])(
      'answers 404 schedule_not_found for %s',
      async (id) => {
        expectError(await api.http().get(`/schedules/${id}`), 404, 'schedule_not_found');
      },
    );

    it('lists schedules newest first, a page at a time', async () => {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await create({ cron: `${i} 0 * * *`, url: HOOK_URL })).id);

      const first = await api.http().get('/schedules?limit=2');
      const second = await api.http().get(`/schedules?limit=2&cursor=${first.body.next_cursor}`);

      expect(first.status).toBe(200);
      expect(first.body.items.map((s: { id: string }) => s.id)).toEqual([ids[2], ids[1]]);
      expect(second.body.items[0].id).toBe(ids[0]);
      expectError(await api.http().get('/schedules?limit=0'), 400, 'validation_failed');
      expectError(await api.http().get('/schedules?status=paused'), 400, 'validation_failed');
    });
  });

  describe('pause, resume and delete', () => {
    it('pauses: next_run_at becomes null; pausing again changes nothing', async () => {
      const created = await create({ cron: '0 0 1 1 *', url: HOOK_URL });

      const paused = await api.http().post(`/schedules/${created.id}/pause`);
      const again = await api.http().post(`/schedules/${created.id}/pause`);

      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ id: created.id, paused: true, next_run_at: null });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(paused.body);
      expect(await row(created.id)).toMatchObject({ paused: 1, next_run_at: null });
    });

    it('resumes from the first occurrence after now', async () => {
      const created = await create({ cron: '*/15 * * * *', timezone: 'Asia/Kolkata', url: HOOK_URL });
      await api.http().post(`/schedules/${created.id}/pause`);

      const resumed = await api.http().post(`/schedules/${created.id}/resume`);
      const again = await api.http().post(`/schedules/${created.id}/resume`);

      expect(resumed.status).toBe(200);
      expect(resumed.body).toMatchObject({ paused: false });
      expect(resumed.body.next_run_at).toBe(nextOf('*/15 * * * *', 'Asia/Kolkata', new Date(resumed.body.updated_at)));
      expect(again.body).toEqual(resumed.body);
    });

    it('deletes: 204, then 404 everywhere', async () => {
      const created = await create({ cron: '0 0 1 1 *', url: HOOK_URL });

      const res = await api.http().delete(`/schedules/${created.id}`);

      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(await row(created.id)).toBeUndefined();
      expectError(await api.http().get(`/schedules/${created.id}`), 404, 'schedule_not_found');
      expectError(await api.http().delete(`/schedules/${created.id}`), 404, 'schedule_not_found');
      expectError(await api.http().post(`/schedules/${created.id}/pause`), 404, 'schedule_not_found');
      expectError(await api.http().post(`/schedules/${created.id}/resume`), 404, 'schedule_not_found');
    });

    it.each([
      ['PUT', '/schedules', 'GET, POST'],
      ['PUT', `/schedules/${UNKNOWN_ID}`, 'GET, PATCH, DELETE'],
      ['GET', `/schedules/${UNKNOWN_ID}/pause`, 'POST'],
      ['DELETE', `/schedules/${UNKNOWN_ID}/resume`, 'POST'],
    ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
      const res = await rawRequest(api.port, { method, path });
      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe(allow);
    });
  });

  it('documents the /schedules operations in the OpenAPI document', async () => {
    const { body: document } = await api.http().get('/openapi.json');

    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/schedules', '/schedules/{id}', '/schedules/{id}/pause', '/schedules/{id}/resume']),
    );
    expect(document.components.schemas.Schedule.properties).toHaveProperty('next_run_at');
    expect(document.components.schemas.Schedule.properties).toHaveProperty('on_late');
    expect(document.components.schemas.Schedule.properties).toHaveProperty('max_lateness_seconds');
    expect(Object.keys(document.components.schemas.CreateScheduleRequest.properties)).toEqual(
      expect.arrayContaining(['on_late', 'max_lateness_seconds']),
    );
    expect(document.components.schemas.Timer.properties).toHaveProperty('schedule_id');
  });
});
