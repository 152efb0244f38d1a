/**
 * What a timer sends (payload or body, content_type, headers, method, append_id),
 * as the api takes it, on both databases: stored and shown (header names, never
 * their values); every refused header name, a CR/LF value, payload with body, an
 * oversize payload refused with nothing stored.
 */
import { select } from '@timer/shared';
import { countTimers, createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp } from './support';

const SECRET = 'Bearer sk_live_do_not_show_me';

const REFUSED = [
  'Host',
  'Content-Length',
  'Transfer-Encoding',
  'Connection',
  'Content-Type',
  'User-Agent',
  'Idempotency-Key',
  'Timer-Id',
  'timer-anything',
  'webhook-signature',
  'Webhook-Id',
  'traceparent',
  'TraceState',
  'Expect',
  'Upgrade',
  'Keep-Alive',
];

describe.each(DIALECTS)('what a timer sends, on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_webhook_fields', {}, dialect);
    api = await startApp({ ...t.config, maxPayloadBytes: 1024, bodyLimitBytes: 16 * 1024 }, t.store);
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  const create = (body: Record<string, unknown>) =>
    api
      .http()
      .post('/timers')
      .send({ seconds: 60, url: HOOK_URL, ...body });

  it('stores a payload, headers, method and append_id, and shows them with header names only', async () => {
    const payload = { order: 7, items: ['a', 'b'], note: 'café ✓', nested: { ok: true, n: null } };
    const res = await create({ payload, headers: { Authorization: SECRET, 'X-Tenant': '7' }, method: 'PUT' });

    expect(res.status).toBe(201);
    const shown = {
      payload,
      body: null,
      content_type: 'application/json',
      headers: ['Authorization', 'X-Tenant'],
      method: 'PUT',
      append_id: true,
    };
    expect(res.body).toMatchObject(shown);
    const got = await api.http().get(`/timers/${res.body.id}`);
    expect(got.body).toMatchObject(shown);
    const list = await api.http().get('/timers?limit=100');
    for (const answer of [res.text, got.text, list.text]) expect(answer).not.toContain('sk_live');

    const [row] = await select<{ webhook: string }>(t.db, 5000, 'SELECT webhook FROM timers WHERE id = ?', [
      res.body.id,
    ]);
    expect(JSON.parse(row.webhook)).toEqual({
      payload,
      headers: [
        ['Authorization', SECRET],
        ['X-Tenant', '7'],
      ],
      method: 'PUT',
    });
  });

  it('stores a string body with its content type and append_id false', async () => {
    const res = await create({
      body: 'order=7&note=caf%C3%A9',
      content_type: 'application/x-www-form-urlencoded',
      method: 'PATCH',
      append_id: false,
    });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      body: 'order=7&note=caf%C3%A9',
      content_type: 'application/x-www-form-urlencoded',
      headers: [],
      method: 'PATCH',
      append_id: false,
    });
    expect(res.body).not.toHaveProperty('payload');
  });

  it('keeps a plain timer plain: no column written, the defaults shown', async () => {
    const res = await create({});

    expect(res.body).toMatchObject({ body: null, content_type: null, headers: [], method: 'POST', append_id: true });
    expect(res.body).not.toHaveProperty('payload');
    const [row] = await select<{ webhook: string | null }>(t.db, 5000, 'SELECT webhook FROM timers WHERE id = ?', [
      res.body.id,
    ]);
    expect(row.webhook).toBeNull();
  });

  it('sends a JSON null payload as null, which is not the plain body', async () => {
    const res = await create({ payload: null });

    expect(res.status).toBe(201);
    expect(res.body.payload).toBeNull();
    expect(res.body.content_type).toBe('application/json');
  });

  it.each(REFUSED)('refuses the header %s with a 400 naming it, and stores nothing', async (name) => {
    const before = await countTimers(t.db);
    const res = await create({ headers: { 'X-Fine': 'ok', [name]: 'x' } });

    expectError(res, 400, 'validation_failed');
    expect(res.body.error.message).toContain(name);
    expect(res.body.error.message).not.toContain('X-Fine');
    expect(await countTimers(t.db)).toBe(before);
  });

  it.each([
    ['a CR/LF value', { 'X-Evil': 'a\r\nX-Injected: 1' }, /X-Evil's value must not contain CR or LF/],
    ['a lone LF', { 'X-Evil': 'a\nb' }, /must not contain CR or LF/],
    ['a non-ASCII value', { 'X-Name': 'café' }, /printable ASCII/],
    ['a name that is no token', { 'X Name': 'a' }, /not an HTTP token/],
    ['a name given twice', { 'X-A': '1', 'x-a': '2' }, /given twice/],
    ['21 headers', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v'])), /headers/],
    ['over 8 KiB of headers', { 'X-Big': 'v'.repeat(9000) }, /more than 8192/],
  ])('refuses %s with a 400 and stores nothing', async (_what, headers, message) => {
    const before = await countTimers(t.db);
    const res = await create({ headers });

    expectError(res, 400, 'validation_failed');
    expect(res.body.error.message).toMatch(message);
    expect(await countTimers(t.db)).toBe(before);
  });

  it.each([
    ['payload with body', { payload: {}, body: 'x' }, /cannot be combined/],
    ['content_type with a payload', { payload: {}, content_type: 'text/plain' }, /content_type goes with body/],
    ['content_type alone', { content_type: 'text/plain' }, /applies only with body/],
    ['a content_type that is no media type', { body: 'x', content_type: 'text plain\r\n' }, /media type/],
    ['a method other than POST, PUT, PATCH', { method: 'GET' }, /method must be one of/],
    ['a string append_id', { append_id: 'false' }, /append_id must be boolean/],
    ['a body with a lone surrogate', { body: 'a\ud800b' }, /valid Unicode/],
    [
      'Authorization beside credentials in the url',
      { url: 'https://u:p@example.com/h', headers: { Authorization: 'x' } },
      /credentials/,
    ],
  ])('refuses %s with a 400 and stores nothing', async (_what, fields, message) => {
    const before = await countTimers(t.db);
    const res = await create(fields);

    expectError(res, 400, 'validation_failed');
    expect(res.body.error.message).toMatch(message);
    expect(await countTimers(t.db)).toBe(before);
  });

  it('answers 413 for a payload or body over MAX_PAYLOAD_BYTES, naming it, and stores nothing', async () => {
    const before = await countTimers(t.db);
    // 1024 bytes serialized is the limit here: {"s":"…"} is 8 bytes around the string.
    expect((await create({ payload: { s: 'x'.repeat(1016) } })).status).toBe(201);
    const payload = await create({ payload: { s: 'x'.repeat(1017) } });
    // 'é' is two bytes in UTF-8: 513 of them are 1026 bytes as sent.
    const body = await create({ body: 'é'.repeat(513) });

    expectError(payload, 413, 'payload_too_large');
    expect(payload.body.error.message).toMatch(/payload is 1025 bytes as sent, over MAX_PAYLOAD_BYTES \(1024\)/);
    expectError(body, 413, 'payload_too_large');
    expect(body.body.error.message).toMatch(/body is 1026 bytes/);
    expect(await countTimers(t.db)).toBe(before + 1);
  });

  it('takes the same fields on a schedule and shows them, header values hidden', async () => {
    const res = await api
      .http()
      .post('/schedules')
      .send({ cron: '0 * * * *', url: HOOK_URL, payload: { every: 'hour' }, headers: { 'X-Key': SECRET } });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ payload: { every: 'hour' }, headers: ['X-Key'], method: 'POST', append_id: true });
    const got = await api.http().get(`/schedules/${res.body.id}`);
    expect(got.body).toMatchObject({ payload: { every: 'hour' }, headers: ['X-Key'] });
    expect(got.text).not.toContain('sk_live');
    const refused = await api
      .http()
      .post('/schedules')
      .send({ cron: '0 * * * *', url: HOOK_URL, headers: { Host: 'x' } });
    expectError(refused, 400, 'validation_failed');
  });
});
