/**
 * API keys: with API_KEYS set, every request but health (and metrics and docs, as
 * configured) needs `Authorization: Bearer <key>`; anything else is a 401 JSON
 * error with a challenge, and writes nothing. Keys never reach a log.
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import { createSilentLogger, loadConfig, sha256Hex } from '@timer/shared';
import { countTimers, createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { FakeClock } from '../../test/helpers/fakeClock';
import { keyIdOf } from '../src/domain/client';
import { KeyRing } from '../src/domain/keyRing';
import { expectError, HOOK_URL, rawRequest, RunningApi, startApp } from './support';

const KEY = 'tk_live_0123456789abcdefghij';
const HASHED_KEY = 'another-key-given-only-as-a-hash';
const WRONG_KEY = 'tk_live_0123456789abcdefghiX';
const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

let t: TestDatabase;
let api: RunningApi;
let closedApi: RunningApi;
let logText = '';

function capturingLogger(): winston.Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logText += chunk.toString('utf8');
      done();
    },
  });
  return winston.createLogger({
    level: 'silly',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream: sink })],
  });
}

beforeAll(async () => {
  t = await createTestDatabase('api_auth');
  const keys = `${KEY},sha256:${sha256Hex(HASHED_KEY)}`;
  api = await startApp(loadConfig({ DATABASE_URL: t.url, API_KEYS: keys }), t.store, { logger: capturingLogger() });
  closedApi = await startApp(
    loadConfig({ DATABASE_URL: t.url, API_KEYS: keys, METRICS_PUBLIC: 'false', DOCS_PUBLIC: 'false' }),
    t.store,
    { logger: capturingLogger() },
  );
});

afterAll(async () => {
  await api?.close();
  await closedApi?.close();
  await t?.drop();
});

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const createBody = Buffer.from(JSON.stringify({ seconds: 600, url: HOOK_URL }));

describe('with API_KEYS set', () => {
  it.each([
    ['POST', '/timers'],
    ['GET', '/timers'],
    ['GET', `/timers/${UNKNOWN_ID}`],
    ['DELETE', `/timers/${UNKNOWN_ID}`],
    ['PUT', '/timers'],
    ['POST', '/schedules'],
    ['GET', '/schedules'],
    ['GET', `/schedules/${UNKNOWN_ID}`],
    ['DELETE', `/schedules/${UNKNOWN_ID}`],
    ['POST', `/schedules/${UNKNOWN_ID}/pause`],
    ['POST', `/schedules/${UNKNOWN_ID}/resume`],
    ['GET', '/nope'],
  ])(
    'answers %s %s without a key with 401 unauthorized and a Bearer challenge, writing nothing',
    async (method, path) => {
      const before = await countTimers(t.db);

      const res = await rawRequest(api.port, {
        method,
        path,
        headers: { 'Content-Type': 'application/json' },
        body: method === 'POST' ? createBody : undefined,
      });

      expectError(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="timer-service"');
      expect(await countTimers(t.db)).toBe(before);
    },
  );

  it.each([
    ['a wrong key', `Bearer ${WRONG_KEY}`],
    ['the hash of a key instead of the key', `Bearer ${sha256Hex(KEY)}`],
    ['a configured key with a character more', `Bearer ${KEY}x`],
    ['a prefix of a configured key', `Bearer ${KEY.slice(0, -1)}`],
    ['an empty token', 'Bearer '],
    ['the key without a scheme', KEY],
    ['another scheme', `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}`],
    ['two tokens', `Bearer ${KEY} ${KEY}`],
    ['a token of 8000 characters', `Bearer ${'a'.repeat(8000)}`],
  ])('refuses %s with 401 and writes nothing', async (_what, authorization) => {
    const before = await countTimers(t.db);

    const res = await rawRequest(api.port, {
      method: 'POST',
      path: '/timers',
      headers: { 'Content-Type': 'application/json', Authorization: authorization },
      body: createBody,
    });

    expectError(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="timer-service"/);
    expect(await countTimers(t.db)).toBe(before);
  });

  it('marks a presented but wrong key as invalid_token in the challenge (RFC 6750)', async () => {
    const res = await rawRequest(api.port, { method: 'GET', path: '/timers', headers: bearer(WRONG_KEY) });

    expect(res.headers['www-authenticate']).toBe('Bearer realm="timer-service", error="invalid_token"');
  });

  it('accepts a configured key on every route: create, read, list, cancel', async () => {
    const created = await api.http().post('/timers').set(bearer(KEY)).send({ seconds: 600, url: HOOK_URL });
    expect(created.status).toBe(201);

    expect((await api.http().get(`/timers/${created.body.id}`).set(bearer(KEY))).status).toBe(200);
    expect((await api.http().get('/timers').set(bearer(KEY))).status).toBe(200);
    expect((await api.http().delete(`/timers/${created.body.id}`).set(bearer(KEY))).status).toBe(200);
  });

  it('accepts a key configured only as its sha256 digest, and the scheme in any case', async () => {
    expect((await api.http().get('/timers').set(bearer(HASHED_KEY))).status).toBe(200);
    expect((await api.http().get('/timers').set('Authorization', `bearer ${KEY}`)).status).toBe(200);
    expect((await api.http().get('/timers').set('Authorization', `BEARER  ${KEY}`)).status).toBe(200);
  });

  it.each([
    '/timers',
    '/TIMERS',
    '/Timers/',
    '/timers/',
    '//timers',
    '/timers//',
    '/./timers',
    '/timers/../timers',
    '/%74imers',
    '/timers;x=1',
    '/timers?status=pending',
    '/timers%2f',
    `/timers/${UNKNOWN_ID}/`,
    '/api/../timers',
    '/healthz/../timers',
    '/docs/../timers',
  ])('gives no way around the key: GET %s without one never reaches a timer route', async (path) => {
    const res = await rawRequest(api.port, { method: 'GET', path });

    // /docs/… answers Swagger UI's page for any path below it; that page is public here.
    if (res.status < 400) expect(res.headers['content-type']).toMatch(/^text\/html/);
    else expect(res.status).toBeLessThan(500);
    expect(res.text).not.toMatch(/"items"|"next_cursor"|"time_left"/);
  });

  it('keeps health and readiness open', async () => {
    expect((await api.http().get('/healthz')).status).toBe(200);
    expect((await api.http().get('/readyz')).status).toBe(200);
  });

  it('keeps metrics and docs open by default (METRICS_PUBLIC, DOCS_PUBLIC)', async () => {
    expect((await api.http().get('/metrics')).status).toBe(200);
    expect((await api.http().get('/openapi.json')).status).toBe(200);
    expect((await api.http().get('/docs/')).status).toBe(200);
    expect((await api.http().get('/')).status).toBe(302);
  });

  it('asks for a key for metrics and docs when METRICS_PUBLIC=false and DOCS_PUBLIC=false', async () => {
    for (const path of ['/metrics', '/openapi.json', '/docs/', '/docs', '/docs/swagger-ui-init.js', '/']) {
      const res = await rawRequest(closedApi.port, { method: 'GET', path });
      expectError(res, 401, 'unauthorized');
    }
    expect((await closedApi.http().get('/metrics').set(bearer(KEY))).status).toBe(200);
    expect((await closedApi.http().get('/openapi.json').set(bearer(KEY))).status).toBe(200);
    expect((await closedApi.http().get('/healthz')).status).toBe(200);
    expect((await closedApi.http().get('/readyz')).status).toBe(200);
  });

  it('documents the key: an http bearer scheme, required by every /timers operation, with its 401', async () => {
    const { body: document } = await api.http().get('/openapi.json');

    expect(document.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    for (const [path, method] of [
      ['/timers', 'post'],
      ['/timers', 'get'],
      ['/timers/{id}', 'get'],
      ['/timers/{id}', 'delete'],
    ]) {
      const operation = document.paths[path][method];
      expect(operation.security).toEqual([{ bearerAuth: [] }]);
      expect(operation.responses['401'].description).toContain('unauthorized');
    }
    expect(document.paths['/healthz'].get.security).toBeUndefined();
  });

  it('gives Swagger UI the scheme, so its Authorize button can send the key', async () => {
    const res = await api.http().get('/docs/swagger-ui-init.js');

    expect(res.status).toBe(200);
    expect(res.text).toContain('"bearerAuth"');
    expect(res.text).toContain('"scheme": "bearer"');
  });

  it('never writes a key, right or wrong, into a log line', async () => {
    await api.http().get('/timers').set(bearer(WRONG_KEY));
    await api.http().post('/timers').set(bearer(KEY)).send({ seconds: 1, url: HOOK_URL });

    expect(logText.length).toBeGreaterThan(0);
    for (const secret of [KEY, WRONG_KEY, HASHED_KEY]) expect(logText).not.toContain(secret);
  });
});

describe('without API_KEYS', () => {
  let open: RunningApi;

  beforeAll(async () => {
    open = await startApp(t.config, t.store);
  });

  afterAll(() => open?.close());

  it('answers every route without a key, and ignores one that is sent', async () => {
    expect((await open.http().get('/timers')).status).toBe(200);
    expect((await open.http().get('/timers').set(bearer(WRONG_KEY))).status).toBe(200);
  });

  it('declares the scheme everywhere: keys can be made while it runs', async () => {
    const { body: document } = await open.http().get('/openapi.json');

    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/timers'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/timers'].post.responses['401']).toBeDefined();
  });
});

describe('the key ring', () => {
  const noTable = { keys: async () => [], touchKeys: async () => {} };
  const keys = new KeyRing({
    writeKeyDigests: [sha256Hex(KEY), sha256Hex(HASHED_KEY)],
    adminKeyDigests: [],
    tenants: noTable,
    clock: new FakeClock(),
    logger: createSilentLogger(),
  });

  it('names the key presented by its id, never by the key', async () => {
    expect((await keys.match(KEY))?.id).toBe(keyIdOf(sha256Hex(KEY)));
    expect((await keys.match(HASHED_KEY))?.id).toBe(keyIdOf(sha256Hex(HASHED_KEY)));
    expect((await keys.match(KEY))?.id).not.toContain(KEY);
    expect((await keys.match(KEY))?.id).toMatch(/^key_[0-9a-f]{16}$/);
  });

  it('makes the keys of API_KEYS write keys of the default tenant', async () => {
    expect(await keys.match(KEY)).toEqual({ id: keyIdOf(sha256Hex(KEY)), tenant: 'default', scope: 'write' });
  });

  it.each(['', WRONG_KEY, KEY.toUpperCase(), ` ${KEY}`, sha256Hex(KEY), '\u0000'])(
    'does not match %j',
    async (presented) => {
      expect(await keys.match(presented)).toBeNull();
    },
  );
});
