/**
 * Small things a new user hit on a first try, each now fixed: a wrong value of a
 * choice names the values allowed; an action that takes no body (replay, pause,
 * resume) refuses one instead of ignoring it; `npm ci` meets no install script
 * that allowScripts has not decided; the first log line says how exposed the
 * process is.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, securitySummary } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, rawRequest, RunningApi, startApp, timerRow } from './support';

let t: TestDatabase;
let api: RunningApi;

beforeAll(async () => {
  t = await createTestDatabase('api_first_touch');
  api = await startApp(t.config, t.store, { nudger: { nudge: () => undefined } });
});

afterAll(async () => {
  await api?.close();
  await t?.drop();
});

describe('a wrong value of a choice', () => {
  it('?status=bogus lists the statuses a list can filter by', async () => {
    const res = await api.http().get('/timers?status=bogus');
    expectError(res, 400, 'validation_failed');
    expect(res.body.error.message).toBe(
      'Invalid query: status must be one of: pending, firing, fired, failed, canceled, skipped',
    );
  });

  it('on_late lists its two values', async () => {
    const res = await api.http().post('/timers').send({ url: HOOK_URL, on_late: 'never' });
    expectError(res, 400, 'validation_failed');
    expect(res.body.error.message).toBe('Invalid request body: on_late must be one of: fire, skip');
  });
});

describe('actions that take no body', () => {
  async function failedTimer(): Promise<string> {
    const res = await api.http().post('/timers').send({ seconds: 60, url: HOOK_URL });
    await t.db.raw("UPDATE timers SET status = 'failed', due_at = NULL WHERE id = ?", [res.body.id]);
    return res.body.id as string;
  }

  it('a replay with a JSON body other than {} is refused, and changes nothing', async () => {
    const id = await failedTimer();
    for (const body of ['{"seconds": 5}', '[]', '"now"', '{"url": "https://example.com/other"}']) {
      const res = await rawRequest(api.port, {
        method: 'POST',
        path: `/timers/${id}/retry`,
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from(body),
      });
      expectError(res, 400, 'validation_failed');
      expect((await timerRow(t.db, id))?.status).toBe('failed');
    }
    const text = await rawRequest(api.port, {
      method: 'POST',
      path: `/timers/${id}/retry`,
      headers: { 'Content-Type': 'text/plain' },
      body: Buffer.from('please'),
    });
    expectError(text, 415, 'unsupported_media_type');
    expect((await timerRow(t.db, id))?.status).toBe('failed');
  });

  it('a replay with no body, or with {}, goes ahead', async () => {
    expect((await api.http().post(`/timers/${await failedTimer()}/retry`)).status).toBe(200);
    expect(
      (
        await api
          .http()
          .post(`/timers/${await failedTimer()}/retry`)
          .send({})
      ).status,
    ).toBe(200);
  });

  it('pause and resume refuse a body too', async () => {
    const created = await api.http().post('/schedules').send({ cron: '*/5 * * * *', url: HOOK_URL });
    const id = created.body.id as string;
    for (const action of ['pause', 'resume']) {
      expectError(await api.http().post(`/schedules/${id}/${action}`).send({ paused: true }), 400, 'validation_failed');
    }
    expect((await api.http().post(`/schedules/${id}/pause`)).body.paused).toBe(true);
    expect((await api.http().post(`/schedules/${id}/resume`).send({})).body.paused).toBe(false);
  });
});

describe('npm ci', () => {
  it('meets no install script allowScripts has not decided', () => {
    const root = path.join(__dirname, '..', '..');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      allowScripts: Record<string, boolean>;
    };
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([where]) => where.replace(/^.*node_modules\//, ''));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect([name, typeof pkg.allowScripts[name]]).toEqual([name, 'boolean']);
    expect(pkg.allowScripts['@scarf/scarf']).toBe(false);
  });
});

describe('the first log line', () => {
  it('says whether keys and signing are on, and where webhooks may go', () => {
    expect(securitySummary(loadConfig({}))).toEqual({
      apiKeys: 'off (open unless keys were made with npm run keys)',
      adminKeys: 'off',
      webhookSigning: 'off',
      webhookTargets: 'private',
    });
    const secret = `whsec_${Buffer.from('0123456789abcdef').toString('base64')}`;
    expect(
      securitySummary(
        loadConfig({
          API_KEYS: 'key-a-0123456789abcdefgh,key-b-0123456789abcdefgh',
          WEBHOOK_SECRET: secret,
          WEBHOOK_TARGETS: 'public',
          WEBHOOK_ALLOWED_PORTS: '443,8443',
        }),
      ),
    ).toEqual({
      apiKeys: 'on (2 keys)',
      adminKeys: 'off',
      webhookSigning: 'on (1 key)',
      webhookTargets: 'public, ports 443,8443',
    });
  });
});
