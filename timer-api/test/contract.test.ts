/**
 * The api against its own OpenAPI document, judged by Prism, the validating proxy
 * integrators run (see prism.ts): every operation, and the error answers each can
 * give, go through `prism proxy --errors` to the real app on a real database, and
 * any violation Prism reports, of a request or of an answer, fails the test.
 *
 * The api runs as a deployment with every guard on (API keys, a rate limit, a cap on
 * pending timers), so its document lists its 401 and 429 answers too; the rate limit
 * runs on a clock the test moves, and the database sits behind a TCP proxy that the
 * last test cuts, for the 503 answers.
 *
 * Requests invalid on purpose are listed by name in INVALID_ON_PURPOSE: Prism must
 * refuse each of them by the document (so the document says what the api refuses),
 * and a second Prism, which forwards requests unchecked, judges the api's answer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Config, createDb, Db, loadConfig, Store } from '@timer/shared';
import { FakeClock } from '../../test/helpers/fakeClock';
import { createTestDatabase, serverPort, TestDatabase } from '../../test/helpers/db';
import { startTcpProxy, TcpProxy } from '../../test/helpers/proxy';
import { PendingQuota, quotaExceeded } from '../src/domain/pendingQuota';
import { AppError, ERROR_CATALOGUE, ErrorCode } from '../src/errors';
import { startPrism, PrismProxy, Violation, violationsOf, isPrismAnswer } from './prism';
import { HOOK_URL, rawRequest, RawRequest, RawResponse, RunningApi, startApp } from './support';

const KEY = 'tk_contract_0123456789abcdef';
const ADMIN = 'tk_contract_admin_0123456789ab';
const WRONG_KEY = 'tk_not_a_key_of_this_service_0';
const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';
const BODY_LIMIT_BYTES = 1024;

interface Exchange {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

const get = (path: string): Exchange => ({ method: 'GET', path });
const del = (path: string, headers?: Record<string, string>): Exchange => ({ method: 'DELETE', path, headers });
const patch = (path: string, body: unknown, headers?: Record<string, string>): Exchange => ({
  method: 'PATCH',
  path,
  body,
  headers,
});
const put = (path: string, body: unknown): Exchange => ({ method: 'PUT', path, body });
const post = (path: string, body?: unknown, headers?: Record<string, string>): Exchange => ({
  method: 'POST',
  path,
  body,
  headers,
});

interface InvalidOnPurpose {
  name: string;
  request: Exchange;
  /** Where Prism finds the request breaking the document (its violation's location, or its code). */
  brokenAt: string;
  /** What the api answers. */
  answer: { status: number; code: ErrorCode };
}

const invalid = (
  name: string,
  request: Exchange,
  brokenAt: string,
  status = 400,
  code: ErrorCode = 'validation_failed',
): InvalidOnPurpose => ({
  name,
  request,
  brokenAt,
  answer: { status, code },
});

/** Requests sent invalid on purpose: the only ones whose violations are expected, by name. */
const INVALID_ON_PURPOSE: InvalidOnPurpose[] = [
  invalid('a negative delay', post('/timers', { seconds: -1, url: HOOK_URL }), 'body.seconds'),
  invalid('a change of nothing', patch(`/timers/${UNKNOWN_ID}`, {}), 'body'),
  invalid('a fractional delay', post('/timers', { seconds: 1.5, url: HOOK_URL }), 'body.seconds'),
  invalid('a delay as a string', post('/timers', { seconds: '5', url: HOOK_URL }), 'body.seconds'),
  invalid('an unknown field', post('/timers', { url: HOOK_URL, colour: 'red' }), 'body'),
  invalid('a timer without a url', post('/timers', { seconds: 5 }), 'body'),
  invalid('a url that is not http(s)', post('/timers', { url: 'ftp://example.com/x' }), 'body.url'),
  invalid(
    'a retry policy out of bounds',
    post('/timers', { url: HOOK_URL, retry: { max_attempts: 0 } }),
    'body.retry.max_attempts',
  ),
  invalid(
    'a text/plain body',
    post('/timers', 'in 5 seconds', { 'Content-Type': 'text/plain' }),
    '415',
    415,
    'unsupported_media_type',
  ),
  invalid('a malformed timer id', get('/timers/not-a-timer-id'), 'path.id', 404, 'timer_not_found'),
  invalid('limit 0', get('/timers?limit=0'), 'query.limit'),
  invalid('an unknown status', get('/timers?status=sleeping'), 'query.status'),
  invalid('a schedule without cron', post('/schedules', { url: HOOK_URL }), 'body'),
  invalid('a malformed schedule id', post('/schedules/not-an-id/pause'), 'path.id', 404, 'schedule_not_found'),
  invalid('a replay with a body', post(`/timers/${UNKNOWN_ID}/retry`, { seconds: 5 }), 'body'),
  invalid('a bulk cancel with ids and a label', post('/timers/cancel', { ids: [UNKNOWN_ID], label: 'a:b' }), 'body'),
  invalid('a pause with a body', post(`/schedules/${UNKNOWN_ID}/pause`, { paused: true }), 'body'),
  invalid('a flow with parallelism 0', put('/flows/billing', { parallelism: 0 }), 'body.parallelism'),
  invalid('a flow key with a space', get('/flows/has%20space'), 'path.key'),
];

let t: TestDatabase;
let dbProxy: TcpProxy;
let db: Db;
let api: RunningApi;
let strict: PrismProxy;
let forwarding: PrismProxy;
let folder: string;
let consoleLog: jest.SpyInstance;
const clock = new FakeClock(Date.now());
let quotaFull = false;
let secondFull = false;
/** Every exchange sent through Prism and what it reported, for the last test. */
const exchanges: Array<{
  name: string;
  method: string;
  path: string;
  status: number;
  code?: string;
  violations: Violation[];
}> = [];

const quota: PendingQuota = {
  admit: async (owner) => {
    if (quotaFull) throw quotaExceeded(owner, 1);
    if (secondFull) throw new AppError('create_rate_exceeded');
  },
  forget: () => undefined,
};

beforeAll(async () => {
  // knex reports every failed connect with console.log; the outage test would print a stack per request.
  consoleLog = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  t = await createTestDatabase('api_contract');
  dbProxy = await startTcpProxy(serverPort());
  const config: Config = loadConfig({
    DATABASE_URL: t.urlVia(dbProxy.port),
    API_KEYS: KEY,
    ADMIN_API_KEYS: ADMIN,
    RATE_LIMIT_PER_SECOND: '1',
    MAX_PENDING_PER_KEY: '1000',
    MAX_SCHEDULES_PER_KEY: '2',
    BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
    LOG_LEVEL: 'warn',
  });
  db = createDb(config);
  api = await startApp(config, new Store(db, config.dbQueryTimeoutMs), {
    clock,
    pendingQuota: quota,
    nudger: { nudge: () => undefined },
  });
  // The live document, as this deployment serves it.
  const document = await rawRequest(api.port, { method: 'GET', path: '/openapi.json' });
  expect(document.status).toBe(200);
  folder = await mkdtemp(path.join(os.tmpdir(), 'timer-contract-'));
  const file = path.join(folder, 'openapi.json');
  await writeFile(file, document.text);
  const upstream = `http://127.0.0.1:${api.port}`;
  [strict, forwarding] = await Promise.all([
    startPrism(file, upstream),
    startPrism(file, upstream, { validateRequests: false }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([strict?.close(), forwarding?.close()]);
  await api?.close();
  await db?.destroy();
  await dbProxy?.close();
  await t?.drop();
  if (folder) await rm(folder, { recursive: true, force: true });
  consoleLog?.mockRestore();
});

function requestOf({ method, path, body, headers = {} }: Exchange, key = KEY): RawRequest {
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    method,
    path,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(payload ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: payload,
  };
}

/** Sends through `prism`, one second after the last request (a full rate-limit bucket) unless told otherwise. */
async function through(
  prism: PrismProxy,
  name: string,
  exchange: Exchange,
  { key = KEY, sameSecond = false } = {},
): Promise<RawResponse> {
  if (!sameSecond) await clock.advance(1000);
  const res = await rawRequest(prism.port, requestOf(exchange, key));
  const code = (res.body as { error?: { code?: string } } | undefined)?.error?.code;
  exchanges.push({ name, ...exchange, status: res.status, code, violations: violationsOf(res) });
  return res;
}

/** One exchange through the strict Prism: the expected status, from the api, and no violation. */
async function expectValid(
  name: string,
  exchange: Exchange,
  status: number,
  options: { key?: string; sameSecond?: boolean } = {},
): Promise<RawResponse> {
  const res = await through(strict, name, exchange, options);
  const answer = { name, status: res.status, violations: violationsOf(res), fromPrism: isPrismAnswer(res) };
  expect(answer).toEqual({ name, status, violations: [], fromPrism: false });
  return res;
}

const idOf = (res: RawResponse) => (res.body as { id: string }).id;
const cursorOf = (res: RawResponse) => (res.body as { next_cursor: string | null }).next_cursor;

describe('through Prism, every answer is one the document describes', () => {
  it('timers: create (each way, repeated with a key), read, list, cancel, replay, attempts', async () => {
    // A timer that failed, with one attempt in its history: created due, claimed, failed as a controller would.
    const failedId = idOf(
      await expectValid(
        'create due',
        post('/timers', { fire_at: new Date(Date.now() - 60_000).toISOString(), url: HOOK_URL }),
        201,
      ),
    );
    const [claim] = await t.store.claims.claimDue({ owner: 'ctl-contract', limit: 1, leaseMs: 30_000, lookaheadMs: 0 });
    expect(claim.id).toBe(failedId);
    const startedAt = new Date(Date.now() - 100);
    const attempt = {
      timerId: claim.id,
      leaseToken: claim.leaseToken,
      attempt: claim.attemptNumber,
      startedAt,
      finishedAt: new Date(startedAt.getTime() + 40),
      durationMs: 40,
      statusCode: 410,
      errorClass: 'http' as const,
      error: 'HTTP 410',
      outcome: 'failed' as const,
      controllerId: 'ctl-contract',
      latenessMs: 3,
    };
    expect(await t.store.claims.fail('ctl-contract', claim, 'HTTP 410', attempt)).toBe(true);

    const create = (body: unknown, headers?: Record<string, string>) => post('/timers', body, headers);
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const id = idOf(await expectValid('create with a delay', create({ minutes: 1, seconds: 30, url: HOOK_URL }), 201));
    await expectValid('create at a time', create({ fire_at: inAnHour.replace('Z', '+00:00'), url: HOOK_URL }), 201);
    await expectValid(
      'create with policies',
      create({
        fire_at: inAnHour,
        url: HOOK_URL,
        retry: { max_attempts: 10, base_ms: 2000, max_ms: 600000 },
        on_late: 'skip',
        max_lateness_seconds: 300,
      }),
      201,
    );
    await expectValid('create with no delay', create({ hours: 0, minutes: 0, seconds: 0, url: HOOK_URL }), 201);
    const keyed = { 'Idempotency-Key': 'contract-order-7' };
    await expectValid('create with a key', create({ minutes: 5, url: HOOK_URL }, keyed), 201);
    const replayed = await expectValid('the same create again', create({ minutes: 5, url: HOOK_URL }, keyed), 200);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    await expectValid('the key with another body', create({ minutes: 6, url: HOOK_URL }, keyed), 409);
    await expectValid('a delay over the cap', create({ hours: 9000, url: HOOK_URL }), 400);
    await expectValid('both a delay and fire_at', create({ seconds: 5, fire_at: inAnHour, url: HOOK_URL }), 400);
    await expectValid('skip without max_lateness_seconds', create({ url: HOOK_URL, on_late: 'skip' }), 400);
    await expectValid('a metadata address', create({ url: 'http://169.254.169.254/latest' }), 400);
    await expectValid('a body that is not JSON', create('{"seconds":'), 400);
    const longUrl = `${HOOK_URL}?${'x'.repeat(BODY_LIMIT_BYTES)}`;
    await expectValid('a body over BODY_LIMIT_BYTES', create({ url: longUrl }), 413);
    quotaFull = true;
    await expectValid('a create over the pending cap', create({ seconds: 5, url: HOOK_URL }), 429);
    quotaFull = false;
    secondFull = true;
    await expectValid('a create over the tenant’s creates per second', create({ seconds: 5, url: HOOK_URL }), 429);
    secondFull = false;

    const list = (query = '') => get(`/timers${query}`);
    await expectValid('list', list(), 200);
    const page = await expectValid('list pending, two at a time', list('?status=pending&limit=2'), 200);
    await expectValid('list the next page', list(`?status=pending&limit=2&cursor=${cursorOf(page)}`), 200);
    await expectValid('list failed', list('?status=failed'), 200);
    await expectValid('list with a cursor that is no cursor', list('?cursor=garbage!!'), 400);
    await expectValid('list with an unknown parameter', list('?sort=asc'), 400);

    await expectValid('get', get(`/timers/${id}`), 200);
    await expectValid('get by an upper-case id', get(`/timers/${id.toUpperCase()}`), 200);
    await expectValid('get an unknown id', get(`/timers/${UNKNOWN_ID}`), 404);
    await expectValid('cancel', del(`/timers/${id}`), 200);
    await expectValid('cancel again', del(`/timers/${id}`), 409);
    await expectValid('cancel an unknown id', del(`/timers/${UNKNOWN_ID}`), 404);

    const attempts = await expectValid('attempts', get(`/timers/${failedId}/attempts`), 200);
    expect((attempts.body as { items: unknown[] }).items).toHaveLength(1);
    await expectValid('attempts, one a page', get(`/timers/${failedId}/attempts?limit=1`), 200);
    await expectValid('attempts of an unknown id', get(`/timers/${UNKNOWN_ID}/attempts`), 404);
    await expectValid('attempts, a bad cursor', get(`/timers/${failedId}/attempts?cursor=!`), 400);
    await expectValid('the dashboard, with a failed timer', get('/ui/api/overview'), 200);
    await expectValid('replay', post(`/timers/${failedId}/retry`), 200);
    await expectValid('replay a pending timer', post(`/timers/${failedId}/retry`), 409);
    await expectValid(
      'replay with a stale ETag',
      { ...post(`/timers/${failedId}/retry`), headers: { 'If-Match': 'W/"1"' } },
      412,
    );
    await expectValid('replay an unknown id', post(`/timers/${UNKNOWN_ID}/retry`), 404);
  });

  it('timers: change, conditionally, and the answers about a timer a controller holds', async () => {
    const create = (body: unknown) => post('/timers', body);
    const id = idOf(await expectValid('create to change', create({ minutes: 10, url: HOOK_URL }), 201));
    const changed = await expectValid(
      'change',
      patch(`/timers/${id}`, { minutes: 20, retry: { max_attempts: 3 } }),
      200,
    );
    expect(changed.headers.etag).toBe('W/"2"');
    await expectValid(
      'change with the current ETag',
      patch(`/timers/${id}`, { seconds: 30 }, { 'If-Match': 'W/"2"' }),
      200,
    );
    await expectValid(
      'change with a stale ETag',
      patch(`/timers/${id}`, { seconds: 40 }, { 'If-Match': 'W/"1"' }),
      412,
    );
    await expectValid('change an unknown id', patch(`/timers/${UNKNOWN_ID}`, { seconds: 5 }), 404);
    await expectValid('cancel with a stale ETag', del(`/timers/${id}`, { 'If-Match': 'W/"1"' }), 412);
    await expectValid('cancel with the current ETag', del(`/timers/${id}`, { 'If-Match': 'W/"3"' }), 200);
    await expectValid('change a canceled timer', patch(`/timers/${id}`, { seconds: 5 }), 409);

    // Held by a controller that is not registered: it cannot be asked.
    const due = idOf(await expectValid('create due now', create({ url: HOOK_URL }), 201));
    const soon = idOf(await expectValid('create due in 4 s', create({ seconds: 4, url: HOOK_URL }), 201));
    const held = await t.store.claims.claimDue({ owner: 'ctl-gone', limit: 10, leaseMs: 30_000, lookaheadMs: 6000 });
    expect(held.map((h) => h.id)).toEqual(expect.arrayContaining([due, soon]));
    await expectValid('cancel a timer whose request may have started', del(`/timers/${due}`), 409);
    const unreachable = await expectValid(
      'cancel a timer held ahead of its time, holder away',
      del(`/timers/${soon}`),
      503,
    );
    expect(Number(unreachable.headers['retry-after'])).toBeLessThanOrEqual(30);
  });

  it('timers in bulk: batch create (repeated with a key), list and cancel by label', async () => {
    const item = { seconds: 3600, url: HOOK_URL, labels: { order: '42' } };
    const batch = (body: unknown, headers?: Record<string, string>) => post('/timers/batch', body, headers);
    await expectValid(
      'a batch',
      batch({ timers: [item, { ...item, labels: { order: '42', kind: 'reminder' } }] }),
      201,
    );
    const keyed = { 'Idempotency-Key': 'contract-batch-1' };
    await expectValid('a batch with a key', batch({ timers: [item] }, keyed), 201);
    await expectValid('the same batch again', batch({ timers: [item] }, keyed), 200);
    await expectValid('the key with another batch', batch({ timers: [item, item] }, keyed), 409);
    await expectValid('a batch with a bad item', batch({ timers: [item, { ...item, seconds: 9_000_000_000 }] }), 400);
    await expectValid('a batch that is not JSON', batch('{"timers":'), 400);
    quotaFull = true;
    await expectValid('a batch over the pending cap', batch({ timers: [item] }), 429);
    quotaFull = false;

    await expectValid('list by label', get('/timers?label=order:42'), 200);
    await expectValid(
      'list by two labels and a status',
      get('/timers?label=order:42&label=kind:reminder&status=pending'),
      200,
    );
    await expectValid('list by a label that is no label', get('/timers?label=order'), 400);
    await expectValid('cancel by label, one at a time', del('/timers?label=order:42&limit=1'), 200);
    await expectValid('cancel by label', del('/timers?label=order:42'), 200);
    await expectValid('cancel by a label that is no label', del('/timers?label=:42'), 400);

    await expectValid('list by flow', get('/timers?flow=https://example.com&status=canceled'), 200);
    await expectValid('list by schedule', get(`/timers?schedule_id=${UNKNOWN_ID}`), 200);
    const ids = { ids: [UNKNOWN_ID] };
    await expectValid('replay a selection', post('/timers/retry', ids), 200);
    await expectValid('replay by label', post('/timers/retry', { label: 'order:42' }), 200);
    await expectValid('cancel a selection', post('/timers/cancel', ids), 200);
    await expectValid('cancel by label in bulk', post('/timers/cancel', { label: ['order:42'] }), 200);
  });

  it('schedules: create, list, read, pause, resume, delete', async () => {
    const create = (body: unknown) => post('/schedules', body);
    const id = idOf(
      await expectValid(
        'create a schedule',
        create({
          cron: '*/5 * * * *',
          timezone: 'Europe/Berlin',
          url: HOOK_URL,
          on_late: 'skip',
          max_lateness_seconds: 60,
        }),
        201,
      ),
    );
    const other = idOf(await expectValid('create a plain schedule', create({ cron: '@hourly', url: HOOK_URL }), 201));
    await expectValid('a third schedule, over the cap', create({ cron: '@daily', url: HOOK_URL }), 429);
    await expectValid('an expression that is not cron', create({ cron: '* *', url: HOOK_URL }), 400);
    await expectValid('an unknown time zone', create({ cron: '@daily', timezone: 'Mars/Base', url: HOOK_URL }), 400);

    const page = await expectValid('list schedules, one at a time', get('/schedules?limit=1'), 200);
    await expectValid('the next page', get(`/schedules?limit=1&cursor=${cursorOf(page)}`), 200);
    await expectValid('list schedules', get('/schedules'), 200);
    await expectValid('get a schedule', get(`/schedules/${id}`), 200);
    await expectValid('get an unknown schedule', get(`/schedules/${UNKNOWN_ID}`), 404);
    for (const action of ['pause', 'pause', 'resume', 'resume']) {
      await expectValid(action, post(`/schedules/${id}/${action}`), 200);
      await expectValid(`${action} an unknown schedule`, post(`/schedules/${UNKNOWN_ID}/${action}`), 404);
    }
    await expectValid(
      'change a schedule',
      patch(`/schedules/${id}`, { cron: '0 9 * * MON-FRI', on_late: 'fire' }),
      200,
    );
    await expectValid('change an unknown schedule', patch(`/schedules/${UNKNOWN_ID}`, { url: HOOK_URL }), 404);
    await expectValid('change to an expression that is not cron', patch(`/schedules/${id}`, { cron: '* *' }), 400);
    await expectValid('delete a schedule', del(`/schedules/${other}`), 204);
    await expectValid('delete it again', del(`/schedules/${other}`), 404);
    await expectValid('the dashboard, with schedules', get('/ui/api/overview'), 200);
  });

  it('flows: set, read, pause, resume, list, delete', async () => {
    const origin = encodeURIComponent('https://example.com:443');
    await expectValid('set a flow', put(`/flows/${origin}`, { parallelism: 5, rate: 50 }), 200);
    await expectValid('burst without rate', put(`/flows/${origin}`, { burst: 5 }), 400);
    await expectValid('get a flow', get(`/flows/${origin}`), 200);
    await expectValid('get an unknown flow', get('/flows/never-set'), 404);
    await expectValid(
      'a timer in a named flow',
      post('/timers', { seconds: 30, url: HOOK_URL, flow_key: 'billing' }),
      201,
    );
    for (const action of ['pause', 'resume']) {
      await expectValid(`${action} a flow`, post(`/flows/billing/${action}`), 200);
    }
    await expectValid('resume an unknown flow', post('/flows/never-set/resume'), 404);
    await expectValid('the fleet, with flows', get('/ui/api/fleet'), 200);
    await expectValid('the delivery charts', get('/ui/api/deliveries?hours=2'), 200);
    await expectValid('list the flows', get('/flows'), 200);
    await expectValid('delete a flow', del('/flows/billing'), 204);
    await expectValid('delete it again', del('/flows/billing'), 404);
  });

  it('admin: make, list and revoke keys, list tenants; a write key may not', async () => {
    const admin = { key: ADMIN };
    const made = await expectValid('make a key', post('/admin/keys', { tenant: 'acme', scope: 'read' }), 201, admin);

    await expectValid('list keys', get('/admin/keys'), 200, admin);
    await expectValid('list one tenant’s keys', get('/admin/keys?tenant=acme'), 200, admin);
    await expectValid('revoke it', del(`/admin/keys/${idOf(made)}`), 200, admin);
    await expectValid('revoke an unknown key', del('/admin/keys/key_0000000000000000'), 404, admin);
    await expectValid('list tenants', get('/admin/tenants'), 200, admin);
    await expectValid('read a tenant', get('/admin/tenants/acme'), 200, admin);
    await expectValid('read an unknown tenant', get('/admin/tenants/nobody'), 404, admin);
    const limits = {
      method: 'PATCH',
      path: '/admin/tenants/acme',
      body: { max_pending: 100, creates_per_second: null },
    };
    await expectValid('set its quotas', limits, 200, admin);
    await expectValid('rotate its signing secret', post('/admin/tenants/acme/signing-secrets'), 201, admin);
    await expectValid('rotate it again', post('/admin/tenants/acme/signing-secrets'), 201, admin);
    await expectValid('retire the previous one', del('/admin/tenants/acme/signing-secrets/previous'), 200, admin);
    await expectValid('clear its secrets', del('/admin/tenants/acme/signing-secrets'), 200, admin);
    await expectValid('list keys with a write key', get('/admin/keys'), 403);
  });

  it('health, a key that is not valid, and the rate limit', async () => {
    await expectValid('alive', get('/healthz'), 200);
    await expectValid('ready', get('/readyz'), 200);
    for (const exchange of [
      post('/timers', { url: HOOK_URL }),
      get('/timers'),
      get(`/timers/${UNKNOWN_ID}`),
      get('/schedules'),
      get('/ui/api/overview'),
    ]) {
      await expectValid(`${exchange.method} ${exchange.path} with a wrong key`, exchange, 401, { key: WRONG_KEY });
    }
    // One request a second with a burst of one: the second in the same second is refused.
    await expectValid('within the rate limit', get('/timers'), 200);
    const limited = await expectValid('over the rate limit', get('/timers'), 429, {
      sameSecond: true,
    });
    expect(limited.headers['retry-after']).toBe('1');
    await expectValid('a create over the rate limit', post('/timers', { url: HOOK_URL }), 429, { sameSecond: true });
  });

  it('with the database cut: 503 with Retry-After from every route that needs it; alive all the same', async () => {
    dbProxy.cut();
    await expectValid('ready, without a database', get('/readyz'), 503);
    await expectValid('alive, without a database', get('/healthz'), 200);
    for (const exchange of [
      post('/timers', { url: HOOK_URL }),
      get('/timers'),
      get(`/timers/${UNKNOWN_ID}`),
      del(`/timers/${UNKNOWN_ID}`),
      get(`/timers/${UNKNOWN_ID}/attempts`),
      post(`/timers/${UNKNOWN_ID}/retry`),
      post('/schedules', { cron: '@daily', url: HOOK_URL }),
      get('/schedules'),
      get(`/schedules/${UNKNOWN_ID}`),
      del(`/schedules/${UNKNOWN_ID}`),
      post(`/schedules/${UNKNOWN_ID}/pause`),
      post(`/schedules/${UNKNOWN_ID}/resume`),
      get('/ui/api/overview'),
    ]) {
      const res = await expectValid(`${exchange.method} ${exchange.path} without a database`, exchange, 503);
      expect(res.headers['retry-after']).toBeDefined();
    }
    dbProxy.restore();
  });
});

describe.each(INVALID_ON_PURPOSE)('a request invalid on purpose: $name', ({ name, request, brokenAt, answer }) => {
  it('is refused by the document, where the api refuses it', async () => {
    const res = await through(strict, `${name} (refused by Prism)`, request);

    expect({ status: res.status, fromPrism: isPrismAnswer(res) }).toEqual({ status: 422, fromPrism: true });
    const places = violationsOf(res).map((v) => v.location?.join('.') ?? String(v.code));
    expect(places).toContain(brokenAt);
  });

  it('gets an answer the document describes (through Prism, forwarded as it is)', async () => {
    const res = await through(forwarding, name, request);

    expect({ status: res.status, code: (res.body as { error?: { code?: string } }).error?.code }).toEqual(answer);
    expect(violationsOf(res)).toEqual([]);
  });
});

/** Error codes no request here can bring about: they need a fault, or a route that is not in the document. */
const NOT_SENT: ErrorCode[] = [
  'bad_request',
  // Needs a timer that changes under four reads in a row.
  'contended',
  'webhook_host_unresolvable',
  'route_not_found',
  'method_not_allowed',
  'request_timeout',
  'internal_error',
];

it('sent every operation and every error code through Prism, and Prism reported nothing else', async () => {
  const { body: document } = await rawRequest(api.port, { method: 'GET', path: '/openapi.json' });
  const { paths } = document as { paths: Record<string, Record<string, unknown>> };
  const templateOf = (route: string) =>
    Object.keys(paths).find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(route.split('?')[0]));
  const answered = new Set(
    exchanges.filter((e) => e.status < 300).map((e) => `${e.method} ${templateOf(e.path) ?? e.path}`),
  );
  const operations = Object.entries(paths).flatMap(([route, item]) =>
    Object.keys(item)
      .filter((key) => key !== 'parameters')
      .map((method) => `${method.toUpperCase()} ${route}`),
  );
  expect(operations.filter((op) => !answered.has(op))).toEqual([]);
  const codes = new Set(exchanges.map((e) => e.code));
  expect(Object.keys(ERROR_CATALOGUE).filter((c) => !codes.has(c) && !NOT_SENT.includes(c as ErrorCode))).toEqual([]);

  const refusedOnPurpose = new Set(INVALID_ON_PURPOSE.map((i) => `${i.name} (refused by Prism)`));
  expect(exchanges.filter((e) => e.violations.length > 0 && !refusedOnPurpose.has(e.name))).toEqual([]);
});
