/**
 * The dashboard over HTTP: its three static files (public, with a strict content
 * security policy), and the overview it reads (behind the API key when keys are
 * set), checked against the rows. The page itself runs in a browser in
 * test/dashboard.test.ts. Runs on MariaDB/MySQL and on the embedded SQLite file.
 */
import { loadConfig } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, rawRequest, RunningApi, startApp } from './support';

const KEY = 'tk_dashboard_0123456789abcdef';

describe.each(DIALECTS)('the dashboard on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;
  let keyed: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_dashboard', {}, dialect);
    api = await startApp(t.config, t.store, { nudger: { nudge: () => undefined } });
    const config = loadConfig({ DATABASE_URL: t.url, API_KEYS: KEY }, { standalone: true });
    keyed = await startApp(config, t.store, { nudger: { nudge: () => undefined } });
  });

  afterAll(async () => {
    await api?.close();
    await keyed?.close();
    await t?.drop();
  });

  describe('the page', () => {
    it('sends /ui to /ui/, where the page is', async () => {
      const res = await rawRequest(api.port, { method: 'GET', path: '/ui' });
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe('ui/');
    });

    it.each([
      ['/ui/', /^text\/html/, /<title>Timer service<\/title>/],
      ['/ui/app.js', /^text\/javascript/, /api\/overview/],
      ['/ui/style.css', /^text\/css/, /\.counts/],
    ])('serves %s with its type and a content security policy that allows no inline code', async (path, type, body) => {
      const res = await api.http().get(path);

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(type);
      expect(res.text).toMatch(body);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it('loads the page without a key when keys are set: it holds no data', async () => {
      for (const path of ['/ui/', '/ui/app.js', '/ui/style.css']) {
        expect((await keyed.http().get(path)).status).toBe(200);
      }
    });

    it.each(['/ui/api/overview', '/UI/api/overview', '/ui/API/overview', '/ui/app.js/', '/ui/index.html', '/ui/x'])(
      'answers %s without a key with 401 when keys are set',
      async (path) => {
        expectError(await keyed.http().get(path), 401, 'unauthorized');
      },
    );

    it('answers other methods with 405', async () => {
      expectError(await rawRequest(api.port, { method: 'POST', path: '/ui/' }), 405, 'method_not_allowed');
      expectError(
        await rawRequest(api.port, { method: 'DELETE', path: '/ui/api/overview' }),
        405,
        'method_not_allowed',
      );
    });
  });

  describe('the overview', () => {
    beforeEach(async () => {
      await t.db.raw('DELETE FROM timers');
      await t.db.raw('DELETE FROM schedules');
    });

    async function createTimer(seconds: number): Promise<string> {
      const res = await api.http().post('/timers').send({ seconds, url: HOOK_URL });
      expect(res.status).toBe(201);
      return res.body.id;
    }

    async function finish(id: string, status: 'fired' | 'failed', error: string | null = null): Promise<void> {
      await t.db.raw(
        `UPDATE timers SET status = ?, due_at = NULL, attempts = 1, last_error = ?,
           fired_at = ${status === 'fired' ? t.sql.now : 'NULL'} WHERE id = ?`,
        [status, error, id],
      );
    }

    it('needs the key when keys are set, and answers with it', async () => {
      expectError(await keyed.http().get('/ui/api/overview'), 401, 'unauthorized');
      const res = await keyed.http().get('/ui/api/overview').set('Authorization', `Bearer ${KEY}`);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('shows the counts by status, the timers due next, recent deliveries, failed timers and schedules', async () => {
      const later = await createTimer(600);
      const sooner = await createTimer(60);
      const delivered = await createTimer(1);
      const failed = await createTimer(2);
      await finish(delivered, 'fired');
      await finish(failed, 'failed', 'HTTP 410');
      const schedule = await api
        .http()
        .post('/schedules')
        .send({ cron: '0 9 * * *', timezone: 'Europe/Berlin', url: HOOK_URL });

      const res = await api.http().get('/ui/api/overview');

      expect(res.status).toBe(200);
      expect(res.body.counts).toEqual({ pending: 2, firing: 0, fired: 1, failed: 1, canceled: 0 });
      expect(res.body.count_cap).toBe(100_000);
      expect(res.body.due_soon.map((x: { id: string }) => x.id)).toEqual([sooner, later]);
      expect(res.body.recent.map((x: { id: string }) => x.id)).toEqual([failed, delivered]);
      expect(res.body.recent[0]).toMatchObject({ status: 'failed', last_error: 'HTTP 410' });
      expect(res.body.recent[1].fired_at).toEqual(expect.any(String));
      expect(res.body.failed.map((x: { id: string }) => x.id)).toEqual([failed]);
      expect(res.body.schedules).toEqual([schedule.body]);
      expect(Math.abs(Date.parse(res.body.now) - Date.now())).toBeLessThan(5000);
    });

    it('counts each status only up to the cap', async () => {
      for (let i = 0; i < 3; i++) await createTimer(600);
      expect(await t.store.countByStatus(2)).toEqual({ pending: 2, firing: 0, fired: 0, failed: 0, canceled: 0 });
    });
  });
});
