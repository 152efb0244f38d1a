/**
 * The dashboard over HTTP: its three static files (public, with a strict content
 * security policy), and the overview it reads (behind the API key when keys are
 * set), checked against the rows: recent deliveries are the newest attempts of
 * the delivery history. The page itself runs in a browser in
 * test/dashboard.test.ts. Runs on MariaDB/MySQL and on the embedded SQLite file.
 */
import { AttemptRecord, ClaimedTimer, loadConfig } from '@timer/shared';
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

    it('loads the page and the icon without a key when keys are set: they hold no data', async () => {
      for (const path of ['/ui/', '/ui/app.js', '/ui/style.css', '/favicon.ico']) {
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
      await t.db.raw('DELETE FROM timer_attempts');
      await t.db.raw('DELETE FROM timers');
      await t.db.raw('DELETE FROM schedules');
    });

    async function createTimer(seconds: number): Promise<string> {
      const res = await api.http().post('/timers').send({ seconds, url: HOOK_URL });
      expect(res.status).toBe(201);
      return res.body.id;
    }

    /** Claims the timers due now, as a controller does. */
    async function claimDue(): Promise<Map<string, ClaimedTimer>> {
      const claims = await t.store.claims.claimDue({ owner: 'ctl-1', limit: 10, leaseMs: 30_000, lookaheadMs: 0 });
      return new Map(claims.map((c) => [c.id, c]));
    }

    /** The attempt a controller records for `claim`, finished `agoMs` before now. */
    function attemptOf(claim: ClaimedTimer, agoMs: number, answer: Partial<AttemptRecord> = {}): AttemptRecord {
      const finishedAt = new Date(Date.now() - agoMs);
      return {
        timerId: claim.id,
        leaseToken: claim.leaseToken,
        attempt: claim.attemptNumber,
        startedAt: new Date(finishedAt.getTime() - 40),
        finishedAt,
        durationMs: 40,
        statusCode: 200,
        errorClass: null,
        error: null,
        outcome: 'delivered',
        controllerId: 'ctl-1',
        latenessMs: 4,
        ...answer,
      };
    }

    it('shows the origins whose timers wait: one that asked to slow down, one whose breaker is open', async () => {
      await t.store.flows.backOff('https://slow.example:443', 60_000);
      for (let i = 0; i < 3; i++)
        await t.store.flows.failed('http://down.example:80', { threshold: 3, openMs: 60_000 });

      const res = await api.http().get('/ui/api/overview');

      const origins = (res.body.origins as Array<{ origin: string; state: string; until: string }>).sort((a, b) =>
        a.origin.localeCompare(b.origin),
      );
      expect(origins.map((o) => [o.origin, o.state])).toEqual([
        ['http://down.example:80', 'breaker'],
        ['https://slow.example:443', 'backoff'],
      ]);
      expect(Date.parse(origins[1].until) - Date.parse(res.body.now)).toBeGreaterThan(50_000);
    });

    it('needs the key when keys are set, and answers with it', async () => {
      expectError(await keyed.http().get('/ui/api/overview'), 401, 'unauthorized');
      const res = await keyed.http().get('/ui/api/overview').set('Authorization', `Bearer ${KEY}`);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('shows the counts by status, the timers due next, recent deliveries, failed timers and schedules', async () => {
      const later = await createTimer(600);
      const sooner = await createTimer(60);
      const delivered = await createTimer(0);
      const failed = await createTimer(0);
      const claims = await claimDue();
      const http = (status: number) => ({ statusCode: status, errorClass: 'http' as const, error: `HTTP ${status}` });
      const retried = attemptOf(claims.get(delivered)!, 3000, { ...http(503), outcome: 'retry' });
      await t.store.claims.scheduleRetry('ctl-1', claims.get(delivered)!, 0, 'HTTP 503', retried);
      const gone = attemptOf(claims.get(failed)!, 2000, { ...http(410), outcome: 'failed', latenessMs: 1500 });
      await t.store.claims.fail('ctl-1', claims.get(failed)!, 'HTTP 410', gone);
      const second = (await claimDue()).get(delivered)!;
      await t.store.claims.completeFired('ctl-1', [second], [attemptOf(second, 1000)]);
      const schedule = await api
        .http()
        .post('/schedules')
        .send({ cron: '0 9 * * *', timezone: 'Europe/Berlin', url: HOOK_URL });

      const res = await api.http().get('/ui/api/overview');

      expect(res.status).toBe(200);
      expect(res.body.counts).toEqual({ pending: 2, firing: 0, fired: 1, failed: 1, canceled: 0, skipped: 0 });
      expect(res.body.count_cap).toBe(100_000);
      expect(res.body.due_soon.map((x: { id: string }) => x.id)).toEqual([sooner, later]);
      // Every request sent, newest first, from the delivery history.
      expect(res.body.recent.map((x: { timer_id: string; attempt: number }) => [x.timer_id, x.attempt])).toEqual([
        [delivered, 2],
        [failed, 1],
        [delivered, 1],
      ]);
      expect(res.body.recent[1]).toEqual({
        timer_id: failed,
        attempt: 1,
        started_at: gone.startedAt.toISOString(),
        finished_at: gone.finishedAt.toISOString(),
        duration_ms: 40,
        status_code: 410,
        error_class: 'http',
        error: 'HTTP 410',
        outcome: 'failed',
        controller_id: 'ctl-1',
        lateness_ms: 1500,
        lease_token: 1,
      });
      expect(res.body.recent[0]).toMatchObject({ status_code: 200, outcome: 'delivered', lateness_ms: 4 });
      expect(res.body.failed.map((x: { id: string }) => x.id)).toEqual([failed]);
      expect(res.body.schedules).toEqual([schedule.body]);
      expect(Math.abs(Date.parse(res.body.now) - Date.now())).toBeLessThan(5000);
    });

    it('shows no recent deliveries for timers that finished without a request (skipped)', async () => {
      const skipped = await createTimer(0);
      const claim = (await claimDue()).get(skipped)!;
      await t.store.claims.skip('ctl-1', claim, 'skipped: 61.0 s late, more than max_lateness_seconds 60');

      const res = await api.http().get('/ui/api/overview');

      expect(res.body.counts).toMatchObject({ skipped: 1, fired: 0 });
      expect(res.body.recent).toEqual([]);
    });

    it('counts each status only up to the cap', async () => {
      for (let i = 0; i < 3; i++) await createTimer(600);
      expect(await t.store.timers.countByStatus(2)).toEqual({
        pending: 2,
        firing: 0,
        fired: 0,
        failed: 0,
        canceled: 0,
        skipped: 0,
      });
    });
  });
});
