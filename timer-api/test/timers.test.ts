/**
 * The HTTP API of the SPEC, rule by rule, against the real app on a real database:
 * every answer is checked, and so is the row behind it. The whole contract runs
 * twice: on MariaDB/MySQL, and on the SQLite file of the embedded mode (`npm start`).
 */
import { countTimers, createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { originOf, select } from '@timer/shared';
import { ERROR_CATALOGUE } from '../src/errors';
import { expectError, HOOK_URL, RunningApi, startApp, timerRow } from './support';

const ONE_YEAR_SECONDS = 31_536_000;
const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';
const TIMER_FIELDS = [
  'append_id',
  'attempts',
  'body',
  'callbacks',
  'content_type',
  'created_at',
  'fire_at',
  'fired_at',
  'flow_key',
  'headers',
  'id',
  'labels',
  'last_error',
  'max_lateness_seconds',
  'method',
  'next_attempt_at',
  'on_late',
  'retry',
  'schedule_id',
  'status',
  'time_left',
  'url',
  'version',
  'waiting',
];

describe.each(DIALECTS)('the api on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_timers', {}, dialect);
    api = await startApp(t.config, t.store);
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  async function createTimer(body: Record<string, unknown> = { seconds: 600, url: HOOK_URL }) {
    const res = await api.http().post('/timers').send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; [field: string]: unknown };
  }

  async function setStatus(id: string, status: string): Promise<void> {
    await t.db.raw(`UPDATE timers SET status = ?, due_at = ${status === 'firing' ? t.sql.now : 'NULL'} WHERE id = ?`, [
      status,
      id,
    ]);
  }

  describe('POST /timers', () => {
    it('creates a pending timer: 201, Location, the full timer shape, and a row in the database', async () => {
      const res = await api.http().post('/timers').send({ hours: 0, minutes: 1, seconds: 30, url: HOOK_URL });

      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers.location).toBe(`/timers/${res.body.id}`);
      expect(Object.keys(res.body).sort()).toEqual(TIMER_FIELDS);
      expect(res.body).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        time_left: 90,
        status: 'pending',
        url: HOOK_URL,
        fired_at: null,
        attempts: 0,
        last_error: null,
        flow_key: originOf(HOOK_URL),
        waiting: null,
      });
      const row = await timerRow(t.db, res.body.id);
      expect(row).toMatchObject({ status: 'pending', url: HOOK_URL, attempts: 0 });
      expect(row!.fire_at.toISOString()).toBe(res.body.fire_at);
      expect(row!.created_at.toISOString()).toBe(res.body.created_at);
      expect(row!.due_at?.toISOString()).toBe(res.body.fire_at);
    });

    it.each([
      [{ seconds: 90 }, 90],
      [{ minutes: 1, seconds: 30 }, 90],
      [{ hours: 2 }, 7200],
      [{ hours: 1, minutes: 2, seconds: 3 }, 3723],
      [{ seconds: 3600 * 30 }, 108_000],
    ])('puts fire_at exactly the delay after created_at for %j', async (delay, seconds) => {
      const timer = await createTimer({ ...delay, url: HOOK_URL });

      expect(Date.parse(timer.fire_at as string) - Date.parse(timer.created_at as string)).toBe(seconds * 1000);
      expect(timer.time_left).toBe(seconds);
      const [row] = await select<{ ms: number }>(
        t.db,
        5000,
        `SELECT ${t.sql.msBetween('created_at', 'fire_at')} AS ms FROM timers WHERE id = ?`,
        [timer.id],
      );
      expect(Number(row.ms)).toBe(seconds * 1000);
    });

    it.each([[{}], [{ hours: 0, minutes: 0, seconds: 0 }]])(
      'with no delay (%j) is due at once: time_left 0 and fire_at equal to created_at',
      async (delay) => {
        const timer = await createTimer({ ...delay, url: HOOK_URL });

        expect(timer.time_left).toBe(0);
        expect(timer.fire_at).toBe(timer.created_at);
        const row = await timerRow(t.db, timer.id);
        expect(row).toMatchObject({ status: 'pending' });
        expect(row!.due_at!.getTime()).toBe(row!.created_at.getTime());
      },
    );

    it.each([[{ seconds: ONE_YEAR_SECONDS }], [{ hours: 8760 }], [{ hours: 8759, minutes: 59, seconds: 60 }]])(
      'accepts a total delay of exactly the default cap of one year (%j)',
      async (delay) => {
        const timer = await createTimer({ ...delay, url: HOOK_URL });

        expect(timer.time_left).toBe(ONE_YEAR_SECONDS);
        expect(await timerRow(t.db, timer.id)).toMatchObject({ status: 'pending' });
      },
    );

    it.each([[{ seconds: ONE_YEAR_SECONDS + 1 }], [{ hours: 8760, seconds: 1 }], [{ minutes: 525_600, seconds: 1 }]])(
      'refuses a total delay one second over the cap (%j) with 400 and writes nothing',
      async (delay) => {
        const before = await countTimers(t.db);

        const res = await api
          .http()
          .post('/timers')
          .send({ ...delay, url: HOOK_URL });

        expectError(res, 400, 'validation_failed');
        expect(res.body.error.message).toContain(String(ONE_YEAR_SECONDS));
        expect(await countTimers(t.db)).toBe(before);
      },
    );

    it('accepts an http URL with a port, a path and a query, and stores it as sent', async () => {
      const url = 'http://hooks.example.com:8080/a/b?x=1&y=two';

      const timer = await createTimer({ seconds: 5, url });

      expect(timer.url).toBe(url);
      expect(await timerRow(t.db, timer.id)).toMatchObject({ url });
    });
  });

  describe('POST /timers with a smaller MAX_DELAY_SECONDS', () => {
    let small: TestDatabase;
    let smallApi: RunningApi;

    beforeAll(async () => {
      small = await createTestDatabase('api_small_cap', { MAX_DELAY_SECONDS: '60' }, dialect);
      smallApi = await startApp(small.config, small.store);
    });

    afterAll(async () => {
      await smallApi?.close();
      await small?.drop();
    });

    it('reads the cap from the configuration', () => {
      expect(small.config.maxDelaySeconds).toBe(60);
    });

    it('accepts exactly the configured cap', async () => {
      const res = await smallApi.http().post('/timers').send({ minutes: 1, url: HOOK_URL });

      expect(res.status).toBe(201);
      expect(res.body.time_left).toBe(60);
      expect(await timerRow(small.db, res.body.id)).toMatchObject({ status: 'pending' });
    });

    it('refuses one second more with 400 and writes nothing', async () => {
      const before = await countTimers(small.db);

      const res = await smallApi.http().post('/timers').send({ seconds: 61, url: HOOK_URL });

      expectError(res, 400, 'validation_failed');
      expect(res.body.error.message).toContain('60');
      expect(await countTimers(small.db)).toBe(before);
    });
  });

  describe('GET /timers/{id}', () => {
    it('returns the timer with every field of the SPEC', async () => {
      const created = await createTimer({ minutes: 10, url: HOOK_URL });

      const res = await api.http().get(`/timers/${created.id}`);

      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(TIMER_FIELDS);
      expect(res.body).toMatchObject({
        id: created.id,
        status: 'pending',
        url: HOOK_URL,
        fire_at: created.fire_at,
        created_at: created.created_at,
        fired_at: null,
        attempts: 0,
        last_error: null,
      });
      expect(res.body.time_left).toBeGreaterThanOrEqual(599);
      expect(res.body.time_left).toBeLessThanOrEqual(600);
    });

    it('shows time_left 0 once the timer is due', async () => {
      const created = await createTimer({ seconds: 600, url: HOOK_URL });
      await t.db.raw(`UPDATE timers SET fire_at = ${t.sql.minus(t.sql.now)} WHERE id = ?`, [
        t.sql.duration(5000),
        created.id,
      ]);

      const res = await api.http().get(`/timers/${created.id}`);

      expect(res.status).toBe(200);
      expect(res.body.time_left).toBe(0);
    });

    it('shows what the controller recorded: fired_at, attempts and last_error', async () => {
      const created = await createTimer({ seconds: 1, url: HOOK_URL });
      await t.db.raw(
        `UPDATE timers SET status = 'fired', due_at = NULL, fired_at = ${t.sql.now}, attempts = 2, last_error = 'HTTP 503' WHERE id = ?`,
        [created.id],
      );

      const res = await api.http().get(`/timers/${created.id}`);

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'fired', attempts: 2, last_error: 'HTTP 503', time_left: 0 });
      expect(Date.parse(res.body.fired_at)).not.toBeNaN();
    });

    it('finds a timer by its id in upper case', async () => {
      const created = await createTimer();

      const res = await api.http().get(`/timers/${created.id.toUpperCase()}`);

      expect(res.status).toBe(200);
      expect(res.body.id).toBe(created.id);
    });

    it.each([
      ['an unknown id', UNKNOWN_ID],
      ['a malformed id', 'not-a-timer-id'],
      ['an id one character short', UNKNOWN_ID.slice(1)],
    ])('answers 404 timer_not_found for %s', async (_what, id) => {
      const res = await api.http().get(`/timers/${id}`);

      expectError(res, 404, 'timer_not_found');
    });
  });

  describe('DELETE /timers/{id}', () => {
    it('cancels a pending timer: 200 canceled, and the row is canceled with nothing left due', async () => {
      const created = await createTimer();

      const res = await api.http().delete(`/timers/${created.id}`);

      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(TIMER_FIELDS);
      expect(res.body).toMatchObject({ id: created.id, status: 'canceled', time_left: 0, fired_at: null });
      expect(await timerRow(t.db, created.id)).toMatchObject({ status: 'canceled', due_at: null });
      expect((await api.http().get(`/timers/${created.id}`)).body.status).toBe('canceled');
    });

    it('cancels by an upper-case id', async () => {
      const created = await createTimer();

      const res = await api.http().delete(`/timers/${created.id.toUpperCase()}`);

      expect(res.status).toBe(200);
      expect(await timerRow(t.db, created.id)).toMatchObject({ status: 'canceled' });
    });

    it('answers 409 timer_not_cancelable for a timer already canceled', async () => {
      const created = await createTimer();
      expect((await api.http().delete(`/timers/${created.id}`)).status).toBe(200);

      const res = await api.http().delete(`/timers/${created.id}`);

      expectError(res, 409, 'timer_not_cancelable');
      expect(await timerRow(t.db, created.id)).toMatchObject({ status: 'canceled', due_at: null });
    });

    it('answers 409 timer_started for a firing timer whose holder cannot be asked, and leaves the row as it was', async () => {
      const created = await createTimer();
      await setStatus(created.id, 'firing');
      const before = await timerRow(t.db, created.id);

      const res = await api.http().delete(`/timers/${created.id}`);

      expectError(res, 409, 'timer_started');
      expect(await timerRow(t.db, created.id)).toEqual(before);
    });

    it.each(['fired', 'failed', 'skipped'])(
      'answers 409 timer_not_cancelable for a %s timer and leaves the row as it was',
      async (status) => {
        const created = await createTimer();
        await setStatus(created.id, status);
        const before = await timerRow(t.db, created.id);

        const res = await api.http().delete(`/timers/${created.id}`);

        expectError(res, 409, 'timer_not_cancelable');
        expect(res.body.error.message).toContain(status);
        expect(await timerRow(t.db, created.id)).toEqual(before);
      },
    );

    it.each([
      ['an unknown id', UNKNOWN_ID],
      ['a malformed id', 'not-a-timer-id'],
    ])('answers 404 timer_not_found for %s', async (_what, id) => {
      const res = await api.http().delete(`/timers/${id}`);

      expectError(res, 404, 'timer_not_found');
    });
  });

  describe('GET /timers', () => {
    const created: string[] = [];

    // A known table: 25 timers, the newest five canceled.
    beforeAll(async () => {
      await t.db.raw('DELETE FROM timers');
      for (let i = 0; i < 25; i++) created.push((await createTimer({ seconds: 600 + i, url: HOOK_URL })).id);
      for (const id of created.slice(20)) expect((await api.http().delete(`/timers/${id}`)).status).toBe(200);
    });

    it('lists timers newest first, 20 by default', async () => {
      const res = await api.http().get('/timers');

      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(20);
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([...created].reverse().slice(0, 20));
      expect(Object.keys(res.body.items[0]).sort()).toEqual(TIMER_FIELDS);
      expect(typeof res.body.next_cursor).toBe('string');
    });

    it('honours limit', async () => {
      const res = await api.http().get('/timers?limit=3');

      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([...created].reverse().slice(0, 3));
    });

    it('pages through 25 timers 10 at a time: 10, 10, 5, then no cursor, each timer once', async () => {
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const res = await api
          .http()
          .get('/timers')
          .query({ limit: 10, ...(cursor ? { cursor } : {}) });
        expect(res.status).toBe(200);
        pages.push(res.body.items.map((i: { id: string }) => i.id));
        cursor = res.body.next_cursor;
      } while (cursor !== null && pages.length < 5);

      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      expect(pages.flat()).toEqual([...created].reverse());
    });

    it('filters by status', async () => {
      const canceled = await api.http().get('/timers?status=canceled');
      const pending = await api.http().get('/timers?status=pending&limit=100');

      expect(canceled.status).toBe(200);
      expect(canceled.body.items.map((i: { id: string }) => i.id)).toEqual(created.slice(20).reverse());
      expect(canceled.body.next_cursor).toBeNull();
      expect(pending.body.items).toHaveLength(20);
      expect(pending.body.items.every((i: { status: string }) => i.status === 'pending')).toBe(true);
      expect(await countTimers(t.db, "status = 'pending'")).toBe(20);
    });

    it('answers an empty page for a status nobody has', async () => {
      const res = await api.http().get('/timers?status=fired');

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [], next_cursor: null });
    });

    it('filters by the skipped status', async () => {
      await setStatus(created[0], 'skipped');

      const res = await api.http().get('/timers?status=skipped');

      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { id: string; status: string }) => [i.id, i.status])).toEqual([
        [created[0], 'skipped'],
      ]);
      expect(res.body.items[0].time_left).toBe(0);
      expect(await countTimers(t.db, "status = 'skipped'")).toBe(1);
      await setStatus(created[0], 'pending');
    });

    it.each([
      ['an invalid status', 'status=sleeping'],
      ['limit 0', 'limit=0'],
      ['limit 101', 'limit=101'],
      ['a non-numeric limit', 'limit=ten'],
      ['a fractional limit', 'limit=2.5'],
      ['a garbage cursor', 'cursor=garbage!!'],
      ['a cursor that decodes to no id', `cursor=${Buffer.from('hello').toString('base64url')}`],
      ['an empty cursor', 'cursor='],
      ['a repeated limit', 'limit=1&limit=2'],
      ['an unknown query parameter', 'sort=asc'],
    ])('answers 400 validation_failed for %s', async (_what, query) => {
      const res = await api.http().get(`/timers?${query}`);

      expectError(res, 400, 'validation_failed');
    });
  });

  describe('routing, health and documentation', () => {
    it.each([
      ['PUT', '/timers/' + UNKNOWN_ID, 'GET, PATCH, DELETE'],
      ['POST', '/timers/' + UNKNOWN_ID, 'GET, PATCH, DELETE'],
      ['PUT', '/timers', 'GET, POST, DELETE'],
      ['PATCH', '/timers', 'GET, POST, DELETE'],
      ['GET', '/timers/batch', 'POST'],
      ['GET', `/timers/${UNKNOWN_ID}/retry`, 'POST'],
      ['DELETE', `/timers/${UNKNOWN_ID}/attempts`, 'GET'],
    ])('answers %s %s with 405 and an Allow header', async (method, path, allow) => {
      const res = await api.http()[method.toLowerCase() as 'put' | 'patch' | 'delete' | 'get'](path);

      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe(allow);
    });

    it.each(['/nope', '/timers/a/b', '/v1/timers'])(
      'answers an unknown route (%s) with 404 route_not_found',
      async (path) => {
        const res = await api.http().get(path);

        expectError(res, 404, 'route_not_found');
      },
    );

    it('is alive and ready while the database answers', async () => {
      const health = await api.http().get('/healthz');
      const ready = await api.http().get('/readyz');

      expect(health.status).toBe(200);
      expect(ready.status).toBe(200);
    });

    it('serves an OpenAPI 3.1 document describing /timers and /timers/{id}', async () => {
      const res = await api.http().get('/openapi.json');

      expect(res.status).toBe(200);
      expect(res.body.openapi).toMatch(/^3\.1\./);
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining(['/timers', '/timers/{id}', '/timers/{id}/attempts', '/timers/{id}/retry']),
      );
      expect(Object.keys(res.body.paths['/timers'])).toEqual(expect.arrayContaining(['get', 'post']));
      expect(Object.keys(res.body.paths['/timers/{id}'])).toEqual(expect.arrayContaining(['get', 'delete']));
      expect(Object.keys(res.body.paths['/timers/{id}/attempts'])).toEqual(expect.arrayContaining(['get']));
      expect(Object.keys(res.body.paths['/timers/{id}/retry'])).toEqual(expect.arrayContaining(['post']));
      expect(res.body.paths['/timers'].post.parameters.map((p: { name: string }) => p.name)).toContain(
        'Idempotency-Key',
      );
      expect(
        res.body.components.schemas.Timer.properties.status.anyOf.map((s: { const: string }) => s.const),
      ).toContain('skipped');
    });

    it('serves Swagger UI at /docs/', async () => {
      const res = await api.http().get('/docs/');

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/swagger-ui/i);
    });

    it('documents every code of the error catalogue in the OpenAPI document', async () => {
      const { body: document } = await api.http().get('/openapi.json');
      const schemaCodes = codesOf(document.components.schemas.Error.properties.error.properties.code);

      for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
        expect(document['x-error-codes']).toHaveProperty([code, 'status'], status);
        expect(schemaCodes).toContain(code);
      }
      expect(new Set(schemaCodes)).toEqual(new Set(Object.keys(ERROR_CATALOGUE)));
    });
  });
});

/** The codes a JSON schema allows, written as `enum` or as `anyOf` of `const`s. */
function codesOf(schema: { enum?: string[]; anyOf?: Array<{ const?: string }> }): string[] {
  if (schema.enum) return schema.enum;
  return (schema.anyOf ?? []).map((s) => s.const).filter((c): c is string => typeof c === 'string');
}
