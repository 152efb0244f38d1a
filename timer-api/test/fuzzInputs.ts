/**
 * What the fuzz test sends: generators for every part of a request, from the
 * plausible (a valid create with the right key) to the hostile (Latin-1 header
 * values, 3,000-deep arrays, percent signs in ids, methods nobody uses). Weights
 * keep enough requests valid to reach the deeper layers (validation, the target
 * policy, the database) instead of stopping at the first check.
 */
import http from 'node:http';
import fc from 'fast-check';

export interface FuzzSubjects {
  /** The valid API key. */
  key: string;
  /** A webhook URL the target policy allows. */
  publicUrl: string;
  /** Ids of timers that exist (read when a case is generated). */
  knownIds: () => string[];
}

export function headersOf(parts: {
  authorization?: string;
  contentType?: string;
  contentEncoding?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  const headers: Record<string, string> = { ...parts.extra };
  if (parts.authorization !== undefined) headers.Authorization = parts.authorization;
  if (parts.contentType !== undefined) headers['Content-Type'] = parts.contentType;
  if (parts.contentEncoding !== undefined) headers['Content-Encoding'] = parts.contentEncoding;
  return headers;
}

export function fuzzInputs({ key, publicUrl, knownIds }: FuzzSubjects) {
  const printable = (max: number) =>
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
  /** What Node's client lets through in a header value: visible ASCII, space, tab, and Latin-1. */
  const headerValue = fc.string({
    unit: fc
      .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09))
      .map((c) => String.fromCharCode(c)),
    maxLength: 80,
  });
  const RESERVED_HEADERS =
    /^(content-length|transfer-encoding|host|connection|expect|upgrade|te|keep-alive|trailer|content-type|content-encoding|authorization)$/i;
  const headerName = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,24}$/).filter((n) => !RESERVED_HEADERS.test(n));

  const authorization = fc.oneof(
    { weight: 40, arbitrary: fc.constant(`Bearer ${key}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(`bearer ${key}`, `Bearer ${key}x`, `Basic ${key}`, 'Bearer', key) },
    { weight: 1, arbitrary: headerValue },
  );

  const contentType = fc.oneof(
    { weight: 24, arbitrary: fc.constant('application/json') },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'application/merge-patch+json',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/json; charset="utf-8"; boundary=x',
        'application/json;;;',
        'text/plain',
        'text/json',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=----x',
        'application/octet-stream',
        '*/*',
      ),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: headerValue },
  );

  const contentEncoding = fc.oneof(
    { weight: 12, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'gzip, deflate', 'x-unknown'),
    },
    { weight: 1, arbitrary: headerValue },
  );

  const extraHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 4 });

  const host = fc.oneof(
    fc.domain(),
    fc.ipV4(),
    fc.ipV4Extended(),
    fc.ipV6().map((a) => `[${a}]`),
    fc.constantFrom(
      'localhost',
      '127.0.0.1',
      '169.254.169.254',
      '[::ffff:169.254.169.254]',
      '[::1]',
      '2852039166',
      '0x7f.1',
      'example.com',
    ),
  );
  const validUrl = fc
    .tuple(
      fc.constantFrom('http', 'https'),
      host,
      fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
      fc.webPath(),
      fc.option(fc.webQueryParameters(), { nil: undefined }),
    )
    .map(
      ([scheme, h, port, path, query]) =>
        `${scheme}://${h}${port === undefined ? '' : `:${port}`}${path}${query === undefined ? '' : `?${query}`}`,
    );
  const url = fc.oneof(
    { weight: 6, arbitrary: validUrl },
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          fc.constantFrom('http', 'https', 'HTTPS', 'ftp', 'javascript', 'file', 'data'),
          host,
          fc.option(fc.integer({ min: 0, max: 70_000 }), { nil: undefined }),
          fc.webPath(),
          fc.option(fc.webQueryParameters(), { nil: undefined }),
        )
        .map(
          ([scheme, h, port, path, query]) =>
            `${scheme}://${h}${port === undefined ? '' : `:${port}`}${path}${query === undefined ? '' : `?${query}`}`,
        ),
    },
    { weight: 2, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
    // User info, and percent-encodings that are not UTF-8 anywhere in the URL: the
    // controller reads every part, and one such URL once crashed it.
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          validUrl,
          fc.option(fc.tuple(fc.webSegment(), fc.webSegment()), { nil: undefined }),
          fc.nat(),
          fc.constantFrom('%C0', '%FF', '%', '%E0%A4', '%zz', '%41', '%E2%82%AC', '#%C3%A9', '?q=%FF', '#x%'),
        )
        .map(([base, userinfo, at, piece]) => {
          const withUser = userinfo ? base.replace('://', `://${userinfo[0]}:${userinfo[1]}@`) : base;
          const i = withUser.indexOf('/', withUser.indexOf('://') + 3);
          const from = i < 0 ? withUser.length : i;
          const where = from + (at % Math.max(1, withUser.length - from + 1));
          return withUser.slice(0, where) + piece + withUser.slice(where);
        }),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2100 }) },
  );
  const delayPart = fc.oneof(
    { weight: 6, arbitrary: fc.nat(5000) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
    { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, 1e300, 2 ** 53, '5', null, true, [], {}) },
  );
  const validCreate = fc.record(
    { hours: fc.nat(100), minutes: fc.nat(100), seconds: fc.nat(100_000), url: validUrl },
    { requiredKeys: ['url'] },
  );
  const createRequest = fc.record(
    { hours: delayPart, minutes: delayPart, seconds: delayPart, url },
    { requiredKeys: [] },
  );
  // What a timer sends: valid and refused header names, values with CR/LF and
  // non-ASCII, any JSON payload, any string body: the api accepts or refuses it,
  // and what it accepts the controller must send.
  const sentHeaderName = fc.oneof(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/),
    fc.constantFrom('Host', 'content-type', 'Timer-Id', 'webhook-signature', 'Expect', 'X A', '', 'Authorization'),
    fc.string({ maxLength: 10 }),
  );
  const webhookCreate = fc.record(
    {
      url: validUrl,
      payload: fc.jsonValue({ maxDepth: 3 }),
      body: fc.string({ unit: 'binary', maxLength: 300 }),
      content_type: fc.oneof(
        fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'text/csv; a=b'),
        fc.string({ maxLength: 30 }),
      ),
      headers: fc.dictionary(sentHeaderName, fc.string({ unit: 'binary', maxLength: 40 }), { maxKeys: 22 }),
      method: fc.constantFrom('POST', 'PUT', 'PATCH', 'GET', 'post', 1),
      append_id: fc.oneof(fc.boolean(), fc.constant('false')),
    },
    { requiredKeys: ['url'] },
  );
  const nearCreate = fc
    .tuple(createRequest, fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }))
    .map(([body, extra]) => ({ ...extra, ...body }));

  const bodyText = fc.oneof(
    { weight: 8, arbitrary: validCreate.map((b) => JSON.stringify(b)) },
    { weight: 8, arbitrary: createRequest.map((b) => JSON.stringify(b)) },
    { weight: 6, arbitrary: webhookCreate.map((b) => JSON.stringify(b)) },
    { weight: 2, arbitrary: nearCreate.map((b) => JSON.stringify(b)) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: createRequest.map((b) => JSON.stringify(b).replace(/^\{/, '{"url": 1, ')) },
    { weight: 1, arbitrary: fc.nat(3000).map((depth) => '['.repeat(depth) + ']'.repeat(depth)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        'null',
        '{',
        '{"url":',
        '\u0000',
        '{"__proto__": {"url": "https://example.com"}}',
      ),
    },
    { weight: 1, arbitrary: fc.constant(`{"url": "${publicUrl}", "pad": "${'x'.repeat(20_000)}"}`) },
  );
  const body = fc.oneof(
    { weight: 12, arbitrary: bodyText.map((text) => Buffer.from(text, 'utf8')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
  );

  const timerPath = fc.oneof(
    { weight: 12, arbitrary: fc.constant('/timers') },
    { weight: 1, arbitrary: fc.constantFrom('/timers/', '/TIMERS', '/Timers', '//timers', '/timers/.', '/timers?') },
  );

  const idSegment = fc.oneof(
    fc.nat(3).map((i) => knownIds()[i]),
    fc.uuid().map((id) => id),
    fc.uuid().map((id) => id.toUpperCase()),
    fc.stringMatching(/^[0-9a-fA-F-]{0,40}$/),
    fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent),
    fc.stringMatching(/^[!-~]{0,20}$/).map((s) => s.replace(/[?#]/g, '')),
    fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '.', '%2e%2e', '%2F', 'a'.repeat(5000)),
  );

  const queryPair = fc.tuple(
    fc.oneof(
      fc.constantFrom('status', 'limit', 'cursor', 'status[]', '__proto__', 'sort', ''),
      fc.string({ maxLength: 10 }).map(encodeURIComponent),
    ),
    fc.oneof(
      fc.constantFrom(
        'pending',
        'firing',
        'fired',
        'failed',
        'canceled',
        'PENDING',
        '1',
        '20',
        '100',
        '101',
        '0',
        '-1',
        '2.5',
        '1e2',
        '',
      ),
      fc.uuid().map((id) => Buffer.from(id).toString('base64url')),
      fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent),
      fc.stringMatching(/^[!-~]{0,20}$/).map((s) => s.replace(/[#]/g, '')),
      fc.constantFrom('%', '%zz', '%E0%A4%A'),
    ),
  );
  const query = fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    {
      weight: 5,
      arbitrary: fc
        .array(queryPair, { maxLength: 4 })
        .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
    },
    { weight: 1, arbitrary: printable(40).map((s) => `?${s.replace(/[ #]/g, '')}`) },
  );

  const method = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE') },
    { weight: 2, arbitrary: fc.constantFrom('PUT', 'PATCH', 'HEAD', 'OPTIONS') },
    { weight: 1, arbitrary: fc.constantFrom(...http.METHODS.filter((m) => m !== 'CONNECT')) },
  );

  const anyPath = fc.oneof(
    timerPath,
    idSegment.map((id) => `/timers/${id}`),
    fc.tuple(idSegment, idSegment).map(([a, b]) => `/timers/${a}/${b}`),
    fc.constantFrom(
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/docs',
      '/docs/',
      '/',
      '/nudge',
      '/docs/../timers',
    ),
    fc.array(idSegment, { maxLength: 4 }).map((segments) => `/${segments.join('/')}`),
  );

  return {
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
  };
}
