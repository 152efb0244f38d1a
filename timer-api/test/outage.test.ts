/**
 * The database connection cut under a running api (a TCP proxy in the middle):
 * every request that needs the database fails fast with 503 and Retry-After,
 * /readyz says 503 while /healthz stays 200, and once the connection is back the
 * same app serves again, with no restart.
 */
import { Config, createDb, Db, loadConfig, Store } from '@timer/shared';
import { countTimers, createTestDatabase, serverPort, TestDatabase } from '../../test/helpers/db';
import { startTcpProxy, TcpProxy } from '../../test/helpers/proxy';
import { insertTimers } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';
import { expectError, HOOK_URL, RunningApi, startApp, timerRow } from './support';

const FAST_MS = 1500;

let t: TestDatabase;
let proxy: TcpProxy;
let config: Config;
let db: Db;
let api: RunningApi;
let consoleLog: jest.SpyInstance;

beforeAll(async () => {
  // knex reports every failed connect with console.log (createDb does not hand it a
  // logger); during a cut that is a stack trace per request, kept out of the output.
  consoleLog = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  t = await createTestDatabase('api_outage');
  proxy = await startTcpProxy(serverPort());
  config = loadConfig({ DATABASE_URL: t.urlVia(proxy.port), LOG_LEVEL: 'warn' });
  db = createDb(config);
  api = await startApp(config, new Store(db, config.dbQueryTimeoutMs));
});

afterAll(async () => {
  await api?.close();
  await db?.destroy();
  await proxy?.close();
  await t?.drop();
  consoleLog?.mockRestore();
});

afterEach(() => proxy.restore());

const create = (seconds = 60) => api.http().post('/timers').send({ seconds, url: HOOK_URL });

async function timed<T>(request: () => Promise<T>): Promise<{ res: T; ms: number }> {
  const started = Date.now();
  const res = await request();
  return { res, ms: Date.now() - started };
}

/** Every database-backed route answers 503 quickly while the proxy is cut. */
async function expectFastUnavailable(existingId: string): Promise<void> {
  const requests = {
    'POST /timers': () => create(),
    'GET /timers/{id}': () => api.http().get(`/timers/${existingId}`),
    'GET /timers': () => api.http().get('/timers'),
    'DELETE /timers/{id}': () => api.http().delete(`/timers/${existingId}`),
  };
  for (const [name, request] of Object.entries(requests)) {
    const { res, ms } = await timed(request);
    expectError(res, 503, 'service_unavailable');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect({ name, fast: ms < FAST_MS }).toEqual({ name, fast: true });
  }
}

async function expectRecovered(): Promise<string> {
  const res = await waitFor('the api to create timers again', async () => {
    const attempt = await create();
    return attempt.status === 201 ? attempt : null;
  });
  expect(await timerRow(t.db, res.body.id)).toMatchObject({ status: 'pending', url: HOOK_URL });
  expect((await api.http().get('/readyz')).status).toBe(200);
  return res.body.id;
}

it('answers 503 fast when no connection to the database can be opened, then recovers', async () => {
  // Written directly, so the app's pool has never opened a connection: every request must connect.
  const [existingId] = await insertTimers(t.db, 1, HOOK_URL, () => 60_000);
  const before = await countTimers(t.db);

  proxy.cut();

  await expectFastUnavailable(existingId);
  const { res: ready, ms } = await timed(() => api.http().get('/readyz'));
  expect(ready.status).toBe(503);
  expect(ready.headers['retry-after']).toMatch(/^\d+$/);
  expect(ms).toBeLessThan(FAST_MS);
  expect((await api.http().get('/healthz')).status).toBe(200);
  expect(await countTimers(t.db)).toBe(before);
  expect(await timerRow(t.db, existingId)).toMatchObject({ status: 'pending' });

  proxy.restore();

  await expectRecovered();
  expect((await api.http().get(`/timers/${existingId}`)).status).toBe(200);
  expect((await api.http().delete(`/timers/${existingId}`)).status).toBe(200);
  expect(await timerRow(t.db, existingId)).toMatchObject({ status: 'canceled' });
});

it('answers 503 fast when the connections already in the pool are cut under it', async () => {
  // Several requests at once, so the pool holds more than one open connection.
  const warm = await Promise.all([create(), create(), create(), api.http().get('/timers')]);
  expect(warm.map((r) => r.status)).toEqual([201, 201, 201, 200]);
  const before = await countTimers(t.db);

  proxy.cut();

  await expectFastUnavailable(warm[0].body.id);
  expect((await api.http().get('/readyz')).status).toBe(503);
  expect((await api.http().get('/healthz')).status).toBe(200);
  expect(await countTimers(t.db)).toBe(before);

  proxy.restore();

  await expectRecovered();
  const list = await api.http().get('/timers?limit=100');
  expect(list.status).toBe(200);
  expect(list.body.items).toHaveLength(before + 1);
});

it('answers a burst of requests during the cut with 503s, all of them quickly', async () => {
  proxy.cut();

  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: 20 }, () => create()));

  expect(answers.map((r) => r.status)).toEqual(Array(20).fill(503));
  expect(Date.now() - started).toBeLessThan(2 * FAST_MS);
  expect((await api.http().get('/healthz')).status).toBe(200);

  proxy.restore();
  await expectRecovered();
});

describe('a database that accepts connections and then says nothing', () => {
  const TIMEOUT_MS = 1000;
  let stalledApi: RunningApi;
  let stalledDb: Db;

  beforeAll(async () => {
    const cfg = loadConfig({
      DATABASE_URL: t.urlVia(proxy.port),
      LOG_LEVEL: 'warn',
      REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    stalledDb = createDb(cfg);
    stalledApi = await startApp(cfg, new Store(stalledDb, cfg.dbQueryTimeoutMs));
  });
  afterAll(async () => {
    await stalledApi?.close();
    await stalledDb?.destroy();
  });

  it('answers every request within REQUEST_TIMEOUT_MS with 503, and stores nothing it answered so', async () => {
    // Pooled connections first, so requests meet both stalled old connections and unanswered new ones.
    const warm = await Promise.all(
      [1, 2, 3].map(() => stalledApi.http().post('/timers').send({ seconds: 60, url: HOOK_URL })),
    );
    expect(warm.map((r) => r.status)).toEqual([201, 201, 201]);
    const before = await countTimers(t.db);

    proxy.stall();

    const started = Date.now();
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () => stalledApi.http().post('/timers').send({ seconds: 60, url: HOOK_URL })),
      stalledApi.http().get(`/timers/${warm[0].body.id}`),
      stalledApi.http().get('/timers'),
      stalledApi.http().delete(`/timers/${warm[1].body.id}`),
    ]);
    const tookMs = Date.now() - started;

    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(['request_timeout', 'service_unavailable']).toContain(res.body.error.code);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    }
    expect(answers.some((r) => r.body.error.code === 'request_timeout')).toBe(true);
    expect(tookMs).toBeLessThan(TIMEOUT_MS + 1500);
    expect((await stalledApi.http().get('/healthz')).status).toBe(200);

    proxy.restore();

    const res = await waitFor('the api to create timers again', async () => {
      const attempt = await stalledApi.http().post('/timers').send({ seconds: 60, url: HOOK_URL });
      return attempt.status === 201 ? attempt : null;
    });
    // What was answered 503 never reached the database; the one 201 since did.
    expect(await countTimers(t.db)).toBe(before + 1);
    expect(await timerRow(t.db, warm[1].body.id)).toMatchObject({ status: 'pending' });
    expect(await timerRow(t.db, res.body.id)).toMatchObject({ status: 'pending' });
  });
});
