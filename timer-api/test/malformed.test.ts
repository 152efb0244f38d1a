/**
 * No input, however malformed, produces a 500, writes a row or stops the process.
 * Each case is sent byte for byte (no client library in between choosing headers
 * or serializing for us) and must get a 4xx JSON error with the expected code.
 */
import { countTimers, createTestDatabase, TestDatabase } from '../../test/helpers/db';
import type { ErrorCode } from '../src/errors';
import { findDuplicateKey } from '../src/http/duplicateKeys';
import { expectError, HOOK_URL, rawRequest, RunningApi, startApp } from './support';

interface MalformedCase {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  status: number;
  code: ErrorCode;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** POST /timers with these exact bytes as an application/json body. */
function raw(name: string, body: string | Buffer, code: ErrorCode = 'invalid_json', status = 400): MalformedCase {
  return { name, method: 'POST', path: '/timers', headers: JSON_TYPE, body: Buffer.from(body), status, code };
}

/** POST /timers with well-formed JSON that breaks a rule of the request schema. */
function invalid(name: string, value: unknown): MalformedCase {
  return raw(name, JSON.stringify(value), 'validation_failed');
}

/** POST /schedules with well-formed JSON that breaks a rule of the request schema. */
function schedule(name: string, value: unknown): MalformedCase {
  return { ...invalid(`a schedule with ${name}`, value), path: '/schedules' };
}

/** POST /timers with a valid request under the wrong headers. */
function wrongType(
  name: string,
  headers: Record<string, string>,
  code: ErrorCode = 'unsupported_media_type',
): MalformedCase {
  const body = Buffer.from(JSON.stringify({ seconds: 5, url: HOOK_URL }));
  return { name, method: 'POST', path: '/timers', headers, body, status: code === 'bad_request' ? 400 : 415, code };
}

function byId(method: 'GET' | 'DELETE', name: string, path: string, status: number, code: ErrorCode): MalformedCase {
  return { name, method, path, headers: {}, status, code };
}

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

// The default: room for a 64 KiB payload (MAX_PAYLOAD_BYTES) however JSON escapes it, plus 16 KiB.
const BODY_LIMIT = 144 * 1024;
const WRONG_TYPES: Array<[string, unknown]> = [
  ['a numeric string', '5'],
  ['true', true],
  ['null', null],
  ['an object', { value: 5 }],
  ['an array', [5]],
];

const CASES: MalformedCase[] = [
  // Not JSON, or JSON that is not an object.
  raw('a body that is not JSON', 'hello'),
  raw('truncated JSON', `{"url": "${HOOK_URL}"`),
  raw('JSON with single quotes', `{'url': '${HOOK_URL}'}`),
  raw('JSON with a trailing comma', `{"url": "${HOOK_URL}",}`),
  raw('JSON followed by more text', `{"url": "${HOOK_URL}"} {}`),
  raw('NaN as a number', `{"seconds": NaN, "url": "${HOOK_URL}"}`),
  raw('a body of whitespace only', '   \n'),
  raw('an empty body', '', 'validation_failed'),
  invalid('a JSON array', []),
  invalid('an array around a valid request', [{ seconds: 5, url: HOOK_URL }]),
  invalid('a JSON string', HOOK_URL),
  invalid('JSON null', null),
  invalid('a JSON number', 42),
  invalid('JSON true', true),

  // Content type, charset and content encoding.
  wrongType('text/plain', { 'Content-Type': 'text/plain' }),
  wrongType('a form', { 'Content-Type': 'application/x-www-form-urlencoded' }),
  wrongType('multipart', { 'Content-Type': 'multipart/form-data; boundary=xyz' }),
  wrongType('no Content-Type at all', {}),
  wrongType('application/xml', { 'Content-Type': 'application/xml' }),
  wrongType('application/json-seq', { 'Content-Type': 'application/json-seq' }),
  wrongType('charset latin1', { 'Content-Type': 'application/json; charset=latin1' }),
  wrongType('an unknown utf- charset', { 'Content-Type': 'application/json; charset=utf-9' }),
  wrongType('an unsupported content encoding', { ...JSON_TYPE, 'Content-Encoding': 'compress' }),
  wrongType('gzip encoding over bytes that are not gzip', { ...JSON_TYPE, 'Content-Encoding': 'gzip' }, 'bad_request'),

  // Size.
  raw(
    'a body over the 144 KiB limit',
    `{"url": "${HOOK_URL}", "pad": "${'x'.repeat(BODY_LIMIT)}"}`,
    'payload_too_large',
    413,
  ),

  // Fields: unknown, wrong types, out of range.
  invalid('an unknown field', { seconds: 5, url: HOOK_URL, callback: 'x' }),
  invalid('a misspelled field', { second: 5, url: HOOK_URL }),
  ...(['hours', 'minutes', 'seconds'] as const).flatMap((field) =>
    WRONG_TYPES.map(([what, value]) => invalid(`${field} as ${what}`, { [field]: value, url: HOOK_URL })),
  ),
  invalid('negative seconds', { seconds: -1, url: HOOK_URL }),
  invalid('negative minutes', { minutes: -1, url: HOOK_URL }),
  invalid('negative hours', { hours: -3, url: HOOK_URL }),
  invalid('fractional seconds', { seconds: 1.5, url: HOOK_URL }),
  invalid('fractional hours', { hours: 0.25, url: HOOK_URL }),
  invalid('a tiny fraction of a second', { seconds: 1e-9, url: HOOK_URL }),
  raw('hours of 1e300 (over the total cap)', `{"hours": 1e300, "url": "${HOOK_URL}"}`, 'validation_failed'),
  raw('seconds of 1e400 (Infinity once parsed)', `{"seconds": 1e400, "url": "${HOOK_URL}"}`, 'validation_failed'),

  // The url.
  invalid('no url', { seconds: 5 }),
  invalid('an empty object', {}),
  invalid('url as a number', { url: 42 }),
  invalid('url as null', { url: null }),
  invalid('url as an array', { url: [HOOK_URL] }),
  invalid('url as an object', { url: { href: HOOK_URL } }),
  invalid('an empty url', { url: '' }),
  invalid('a relative url', { url: '/hooks' }),
  invalid('a scheme-relative url', { url: '//example.com/hooks' }),
  invalid('a url without a scheme', { url: 'example.com/hooks' }),
  invalid('an ftp url', { url: 'ftp://example.com/hooks' }),
  invalid('a javascript: url', { url: 'javascript:alert(1)' }),
  invalid('a mailto: url', { url: 'mailto:ops@example.com' }),
  invalid('a data: url', { url: 'data:text/plain,hi' }),
  invalid('a file: url', { url: 'file:///etc/passwd' }),
  invalid('a url of 2049 characters', { url: `https://example.com/${'a'.repeat(2049 - 20)}` }),
  invalid('a url of spaces only', { url: '   ' }),
  invalid('a url with a leading space', { url: ` ${HOOK_URL}` }),
  invalid('a url with a newline inside', { url: 'https://exam\nple.com/hooks' }),
  invalid('http:// without a host', { url: 'http://' }),
  invalid('https:// without a host', { url: 'https://' }),
  invalid('http:///hooks (an empty host the URL parser would fill in)', { url: 'http:///hooks' }),
  invalid('a port out of range', { url: 'https://example.com:99999/hooks' }),
  // Percent-encodings that are not UTF-8, in every part the controller reads: the
  // first of these once crashed every controller that claimed its timer.
  ...[
    ['a password', (bad: string) => `http://x:${bad}@127.0.0.1:3402/p`],
    ['a user name', (bad: string) => `https://${bad}:pw@example.com/hooks`],
    ['the path', (bad: string) => `https://example.com/hooks/${bad}`],
    ['the query', (bad: string) => `https://example.com/hooks?x=${bad}`],
    ['the fragment', (bad: string) => `https://example.com/hooks#${bad}`],
  ].flatMap(([part, url]) =>
    ['%C0', '%FF', '%', '%E0%A4'].flatMap((bad) => [
      invalid(`${bad} in ${part as string}`, { seconds: 2, url: (url as (bad: string) => string)(bad) }),
      schedule(`${bad} in ${part as string}`, { cron: '* * * * *', url: (url as (bad: string) => string)(bad) }),
    ]),
  ),

  // Prototype tricks: JSON.parse makes these own keys, and they are unknown fields.
  raw('a url hidden under __proto__', `{"__proto__": {"url": "${HOOK_URL}"}}`, 'validation_failed'),
  raw('a __proto__ key beside a valid url', `{"url": "${HOOK_URL}", "__proto__": {"seconds": 5}}`, 'validation_failed'),
  raw('a constructor key', `{"url": "${HOOK_URL}", "constructor": {"prototype": {"x": 1}}}`, 'validation_failed'),

  // Deep nesting, duplicate keys.
  raw('arrays nested 7000 deep', '['.repeat(7000) + ']'.repeat(7000), 'validation_failed'),
  raw(
    'objects nested 2000 deep as seconds',
    `{"url": "${HOOK_URL}", "seconds": ${'{"a": '.repeat(2000)}1${'}'.repeat(2000)}}`,
    'validation_failed',
  ),
  raw('url given twice, the last one valid', `{"url": "ftp://example.com", "url": "${HOOK_URL}"}`),
  raw('seconds given twice', `{"seconds": "soon", "seconds": 5, "url": "${HOOK_URL}"}`),
  raw('url given twice, once escaped', `{"url": "${HOOK_URL}", "\\u0075rl": "${HOOK_URL}"}`),

  // Bytes that are not UTF-8.
  raw('invalid UTF-8 inside the url', bytes(`{"url": "${HOOK_URL}/`, [0xff, 0xfe], '"}'), 'validation_failed'),
  raw('invalid UTF-8 outside any string', bytes(`{"url": "${HOOK_URL}"`, [0xff], '}')),
  raw('invalid UTF-8 as a key', bytes(`{"url": "${HOOK_URL}", "`, [0xc3], '": 1}'), 'validation_failed'),

  // Ids and queries.
  byId('GET', 'malformed percent-encoding in the id', '/timers/%E0%A4%A', 400, 'bad_request'),
  byId('DELETE', 'malformed percent-encoding in the id', '/timers/%E0%A4%A', 400, 'bad_request'),
  byId('GET', 'a lone percent sign as the id', '/timers/%', 400, 'bad_request'),
  byId('GET', 'an id of 4000 characters', `/timers/${'a'.repeat(4000)}`, 404, 'timer_not_found'),
  byId('DELETE', 'an id of 4000 characters', `/timers/${'a'.repeat(4000)}`, 404, 'timer_not_found'),
  byId('GET', 'an id that looks like SQL', `/timers/${encodeURIComponent("' OR 1=1 --")}`, 404, 'timer_not_found'),
  byId('DELETE', 'an id that looks like SQL', `/timers/${encodeURIComponent("x' OR '1'='1")}`, 404, 'timer_not_found'),
  byId('GET', 'a NUL byte as the id', '/timers/%00', 404, 'timer_not_found'),
  byId('GET', 'malformed percent-encoding in the query', '/timers?limit=%E0%A4%A', 400, 'validation_failed'),
  byId('GET', 'a bracketed query key', '/timers?status[]=pending', 400, 'validation_failed'),
  byId('GET', 'a __proto__ query key', '/timers?__proto__=x', 400, 'validation_failed'),
];

let t: TestDatabase;
let api: RunningApi;
let errorLog: jest.SpyInstance;

beforeAll(async () => {
  t = await createTestDatabase('api_malformed');
  expect(t.config.bodyLimitBytes).toBe(BODY_LIMIT);
  api = await startApp(t.config, t.store);
  errorLog = jest.spyOn(api.logger, 'error');
});

afterAll(async () => {
  await api?.close();
  await t?.drop();
});

/** Timers and schedules: no rejected request writes either. */
async function countRows(): Promise<number> {
  const [rows] = (await t.db.raw('SELECT COUNT(*) AS n FROM schedules')) as unknown as [Array<{ n: number }>];
  return (await countTimers(t.db)) + Number(rows[0].n);
}

it('has a long table of malformed requests', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(45);
  expect(new Set(CASES.map((c) => `${c.method} ${c.name}`)).size).toBe(CASES.length);
});

it.each(CASES)(
  '$method $name → $status $code, nothing written',
  async ({ method, path, headers, body, status, code }) => {
    const before = await countRows();

    const res = await rawRequest(api.port, { method, path, headers, body });

    expectError(res, status, code);
    expect(await countRows()).toBe(before);
    expect(errorLog).not.toHaveBeenCalled();
  },
);

it('is still healthy after the whole table, with nothing written and nothing polluted', async () => {
  expect(await countTimers(t.db)).toBe(0);
  expect(({} as Record<string, unknown>).url).toBeUndefined();
  expect((await api.http().get('/healthz')).status).toBe(200);
  expect((await api.http().get('/readyz')).status).toBe(200);

  // The same raw client with a well-formed body is accepted: the table failed on its contents.
  const res = await rawRequest(api.port, {
    method: 'POST',
    path: '/timers',
    headers: JSON_TYPE,
    body: Buffer.from(JSON.stringify({ seconds: 5, url: HOOK_URL })),
  });
  expect(res.status).toBe(201);
  expect(await countTimers(t.db, "status = 'pending'")).toBe(1);
});

describe('findDuplicateKey', () => {
  it.each([
    ['{"a": 1, "a": 2}', 'a'],
    ['{"a": 1, "b": {"c": 1, "c": 2}}', 'c'],
    ['{"a": 1, "\\u0061": 2}', 'a'],
    ['{"a": 1, "b": 2}', undefined],
    ['[{"a": 1}, {"a": 2}]', undefined],
    ['{"a": {"a": {"a": 1}}}', undefined],
    ['{"a\\"": 1, "a": 2}', undefined],
    ['{"a": "b", "c": "b"}', undefined],
    ['{"a": ["a", "a"]}', undefined],
    // Brackets, colons and escaped quotes inside strings are not structure.
    ['{"a": "}{", "a": 1}', 'a'],
    ['{"a": "x\\\\", "a": 1}', 'a'],
    ['{"a": "[:", "b": {"a": "\\"}"}}', undefined],
    ['{"timers": [{"url": "u", "labels": {"row": "1"}}, {"url": "u", "labels": {"row": "2"}}]}', undefined],
  ])('in %s finds %s', (text, key) => {
    expect(findDuplicateKey(text)).toBe(key);
  });
});
