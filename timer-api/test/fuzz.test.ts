/**
 * Hostile input, generated: fast-check throws random methods, paths, ids, query
 * strings, headers, content types, encodings and bodies at the real app on a real
 * database, over a real socket, 10,000 requests a run (FUZZ_SCALE multiplies).
 * Whatever arrives:
 * - the answer is never a 5xx, and every error is the SPEC's JSON with a code
 *   from the catalogue whose status is the one sent;
 * - no route but health (and the public metrics and docs) answers without the key;
 * - a 201 only ever stores a webhook the target policy allows;
 * - no rejected request writes a row: the table holds exactly the timers answered 201;
 * - nothing is logged as an unexpected error, and the process keeps serving.
 * A failing case is shrunk and printed with its seed (rerun with FUZZ_SEED).
 */
import http from 'node:http';
import fc from 'fast-check';
import { MockAgent } from 'undici';
import {
  checkAddresses,
  checkUrlTarget,
  decodeWebhookSpec,
  loadConfig,
  LookupAll,
  select,
  systemClock,
  TargetPolicy,
} from '@timer/shared';
import { HttpSender, WebhookRequests } from '@timer/controller';
import { countTimers, createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { ERROR_CATALOGUE } from '../src/errors';
import { fuzzInputs, headersOf } from './fuzzInputs';
import { RunningApi, startApp } from './support';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const KEY = 'fuzz-key-0123456789abcdef';
const POLICY: TargetPolicy = { mode: 'public', allowedPorts: [] };
const PUBLIC_URL = 'https://93.184.215.14/hooks';

// ----------------------------------------------------------------- the app under test

/** A resolver with a fixed answer per name: public, private, link-local, loopback, or no such name. */
const ANSWERS = [['93.184.215.14'], ['10.0.0.1'], ['169.254.169.254'], ['::1'], null, ['8.8.8.8', '2606:4700::1']];
function answerFor(hostname: string): string[] | null {
  let hash = 0;
  for (const char of hostname) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return ANSWERS[hash % ANSWERS.length];
}
const fakeDns: LookupAll = (hostname, _options, callback) => {
  const answer = answerFor(hostname);
  setImmediate(() =>
    answer
      ? callback(
          null,
          answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        )
      : callback(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), []),
  );
};

/** What the policy says of a URL, by the same fixed answers: may a timer with it be stored? */
function targetAllowed(url: string): boolean {
  const check = checkUrlTarget(new URL(url), POLICY);
  if (check.outcome !== 'resolve') return check.outcome === 'allowed';
  const answer = answerFor(check.hostname);
  return answer === null || checkAddresses(answer, POLICY).allowed;
}

const VALID_AUTHORIZATION = new RegExp(`^Bearer +${KEY} *$`, 'i');
const isPublicPath = (path: string) =>
  ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/'].includes(path) || path.startsWith('/docs/');

let t: TestDatabase;
let api: RunningApi;
let agent: http.Agent;
let errorLog: jest.SpyInstance;
let seededIds: string[] = [];
const created: string[] = [];
let seededRows = 0;

beforeAll(async () => {
  t = await createTestDatabase('api_fuzz');
  const config = loadConfig({ DATABASE_URL: t.url, API_KEYS: KEY, WEBHOOK_TARGETS: 'public', LOG_LEVEL: 'warn' });
  api = await startApp(config, t.store, { lookup: fakeDns, nudger: { nudge: () => undefined } });
  errorLog = jest.spyOn(api.logger, 'error');
  agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  for (const seconds of [0, 600, 3600]) {
    const res = await api
      .http()
      .post('/timers')
      .set('Authorization', `Bearer ${KEY}`)
      .send({ seconds, url: PUBLIC_URL });
    expect(res.status).toBe(201);
    seededIds.push(res.body.id);
  }
  await api.http().delete(`/timers/${seededIds[2]}`).set('Authorization', `Bearer ${KEY}`);
  seededIds = [...seededIds, seededIds[0].toUpperCase()];
  seededRows = await countTimers(t.db);
});

afterAll(async () => {
  agent?.destroy();
  await api?.close();
  await t?.drop();
});

// ----------------------------------------------------------------- sending

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function send(req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: api.port,
        agent,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, ...(req.body ? { 'Content-Length': String(req.body.length) } : {}) },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer within 10 s')));
    request.on('error', reject);
    request.end(req.body);
  });
}

/** Every answer, whatever was asked. */
function expectSound(req: FuzzRequest, res: Answer): void {
  const summary = `${req.method} ${req.path} → ${res.status} ${res.text.slice(0, 300)}`;
  if (res.status < 100 || res.status >= 500) throw new Error(`5xx or no status: ${summary}`);
  const pathname = req.path.split('?')[0];
  if (!VALID_AUTHORIZATION.test(req.headers.Authorization ?? '') && !isPublicPath(pathname) && res.status !== 401) {
    throw new Error(`answered without a valid key: ${summary}`);
  }
  if (res.status >= 400 && req.method !== 'HEAD') {
    if (!/^application\/json/.test(String(res.headers['content-type']))) throw new Error(`error not JSON: ${summary}`);
    const body = JSON.parse(res.text) as { error?: { code?: string; message?: unknown } };
    const entry = ERROR_CATALOGUE[body.error?.code as keyof typeof ERROR_CATALOGUE];
    if (
      !entry ||
      entry.status !== res.status ||
      typeof body.error?.message !== 'string' ||
      Object.keys(body).length !== 1
    ) {
      throw new Error(`error not in the catalogue's shape: ${summary}`);
    }
    if (res.status === 401 && !res.headers['www-authenticate']) throw new Error(`401 without a challenge: ${summary}`);
  }
  if (res.status === 201) {
    if (req.method !== 'POST') throw new Error(`201 for ${summary}`);
    const timer = JSON.parse(res.text) as { id: string; url: string };
    if (!targetAllowed(timer.url)) throw new Error(`stored a webhook the policy refuses: ${summary}`);
    created.push(timer.id);
  }
}

async function exchange(req: FuzzRequest): Promise<void> {
  expectSound(req, await send(req));
}

// ----------------------------------------------------------------- the properties

const {
  authorization,
  contentType,
  contentEncoding,
  extraHeaders,
  body,
  timerPath,
  idSegment,
  query,
  method,
  anyPath,
} = fuzzInputs({ key: KEY, publicUrl: PUBLIC_URL, knownIds: () => seededIds });

const runs = (n: number) => ({ numRuns: Math.round(n * SCALE), seed: SEED, endOnFailure: false });

async function expectRowsAreThe201s(): Promise<void> {
  expect(await countTimers(t.db)).toBe(seededRows + created.length);
  if (created.length > 0) {
    const [rows] = await t.db.raw(
      `SELECT COUNT(*) AS n FROM timers WHERE id IN (${created.map(() => '?').join(',')})`,
      created,
    );
    expect(Number((rows as Array<{ n: number }>)[0].n)).toBe(created.length);
  }
}

it('POST /timers: random bodies, content types, encodings and keys', async () => {
  await fc.assert(
    fc.asyncProperty(
      timerPath,
      authorization,
      contentType,
      contentEncoding,
      extraHeaders,
      fc.option(body, { nil: undefined, freq: 20 }),
      async (path, auth, type, encoding, extra, payload) => {
        await exchange({
          method: 'POST',
          path,
          headers: headersOf({ authorization: auth, contentType: type, contentEncoding: encoding, extra }),
          body: payload,
        });
      },
    ),
    runs(4000),
  );
  await expectRowsAreThe201s();
}, 120_000);

it('GET and DELETE /timers/{id} and GET /timers?query: random ids and query strings', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'DELETE', 'HEAD'),
      fc.oneof(
        idSegment.map((id) => `/timers/${id}`),
        fc.constant('/timers'),
      ),
      query,
      authorization,
      async (verb, path, q, auth) => {
        await exchange({ method: verb, path: `${path}${q}`, headers: headersOf({ authorization: auth }) });
      },
    ),
    runs(2500),
  );
  await expectRowsAreThe201s();
}, 120_000);

it('any method, path, query, headers and body', async () => {
  await fc.assert(
    fc.asyncProperty(
      method,
      anyPath,
      query,
      authorization,
      contentType,
      extraHeaders,
      fc.option(body, { nil: undefined }),
      async (verb, path, q, auth, type, extra, payload) => {
        await exchange({
          method: verb,
          path: `${path}${q}`,
          headers: headersOf({ authorization: auth, contentType: type, extra }),
          body: payload,
        });
      },
    ),
    runs(3500),
  );
  await expectRowsAreThe201s();
}, 120_000);

it('every timer it stored, the controller can send: its request builder sends each one to a mock receiver', async () => {
  const mock = new MockAgent();
  mock.disableNetConnect();
  mock
    .get(() => true)
    .intercept({ path: () => true, method: /^(POST|PUT|PATCH)$/ })
    .reply(204)
    .persist();
  const sender = new HttpSender({ webhookTimeoutMs: 2000, maxInFlight: 8, clock: systemClock, dispatcher: mock });
  const requests = new WebhookRequests({ webhookTargets: POLICY });
  const rows = await select<{ id: string; url: string; fire_at: Date; webhook: string | null }>(
    t.db,
    10_000,
    'SELECT id, url, fire_at, webhook FROM timers',
  );
  expect(rows.length).toBe(seededRows + created.length);
  for (const row of rows) {
    const fireAt = new Date(row.fire_at);
    const request = requests.prepare(
      {
        id: row.id,
        tenant: 'default',
        url: row.url,
        fireAt,
        dueAt: fireAt,
        attempt: 1,
        attemptNumber: 1,
        leaseToken: 1,
        retry: { maxAttempts: null, baseMs: null, maxMs: null },
        maxLatenessMs: null,
        version: 1,
        customWebhook: row.webhook !== null,
        notify: false,
      },
      Date.now(),
      [],
      decodeWebhookSpec(row.webhook),
    );
    await expect(sender.send(request).result).resolves.toBe(204);
  }
  await mock.close();
});

it('is still healthy afterwards, stored exactly the timers it answered 201, and logged no unexpected error', async () => {
  expect(created.length).toBeGreaterThan(100);
  await expectRowsAreThe201s();
  expect(errorLog).not.toHaveBeenCalled();
  expect((await send({ method: 'GET', path: '/healthz', headers: {} })).status).toBe(200);
  expect((await send({ method: 'GET', path: '/readyz', headers: {} })).status).toBe(200);
});
