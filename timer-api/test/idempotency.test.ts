/**
 * POST /timers with an Idempotency-Key: the same key and body within 24 hours
 * answer with the timer the first request created (200, no second timer), even
 * for requests sent at the same moment; a different body is a 409. Keys belong to
 * the API key that sent them. Both databases.
 */
import { select, sha256Hex } from '@timer/shared';
import { countTimers, createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp } from './support';

const KEY_A = 'tk_idempotency_key_a_0123456789';
const KEY_B = 'tk_idempotency_key_b_0123456789';

describe.each(DIALECTS)('Idempotency-Key on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;
  let keyedApi: RunningApi;
  let keyNumber = 0;

  beforeAll(async () => {
    t = await createTestDatabase('api_idempotency', {}, dialect);
    api = await startApp(t.config, t.store);
    keyedApi = await startApp({ ...t.config, apiKeyDigests: [sha256Hex(KEY_A), sha256Hex(KEY_B)] }, t.store);
  });

  afterAll(async () => {
    await api?.close();
    await keyedApi?.close();
    await t?.drop();
  });

  /** A key no other test uses. */
  const freshKey = () => `order-${dialect}-${++keyNumber}`;
  const body = { seconds: 600, url: HOOK_URL };
  const post = (key: string, payload: object = body, via = api, auth?: string) => {
    const req = via.http().post('/timers').set('Idempotency-Key', key);
    if (auth) req.set('Authorization', `Bearer ${auth}`);
    return req.send(payload);
  };
  const keyRows = (key: string) =>
    select<{ owner: string; timer_id: string }>(
      t.db,
      5000,
      'SELECT owner, timer_id FROM idempotency_keys WHERE idem_key = ? ORDER BY owner',
      [key],
    );

  it('answers a repeated request with the original timer: 201, then 200 with the same id, and one row', async () => {
    const key = freshKey();
    const before = await countTimers(t.db);

    const first = await post(key);
    const second = await post(key);

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.headers.location).toBe(`/timers/${first.body.id}`);
    expect(second.body).toMatchObject({ id: first.body.id, fire_at: first.body.fire_at, status: 'pending' });
    expect(await countTimers(t.db)).toBe(before + 1);
    expect(await keyRows(key)).toEqual([{ owner: 'default', timer_id: first.body.id }]);
  });

  it('shows the original timer as it is now, e.g. canceled', async () => {
    const key = freshKey();
    const first = await post(key);
    expect((await api.http().delete(`/timers/${first.body.id}`)).status).toBe(200);

    const again = await post(key);

    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, status: 'canceled' });
  });

  it('treats a body with its keys in another order and other spacing as the same request', async () => {
    const key = freshKey();
    const first = await post(key, { url: HOOK_URL, seconds: 600 });

    const again = await api
      .http()
      .post('/timers')
      .set('Idempotency-Key', key)
      .set('Content-Type', 'application/json')
      .send(`{ "seconds" : 600 ,\n "url": "${HOOK_URL}" }`);

    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('refuses the same key with a different body: 409 idempotency_key_reused, and no new timer', async () => {
    const key = freshKey();
    const first = await post(key);
    const before = await countTimers(t.db);

    const res = await post(key, { seconds: 601, url: HOOK_URL });

    expectError(res, 409, 'idempotency_key_reused');
    expect(await countTimers(t.db)).toBe(before);
    expect(await keyRows(key)).toEqual([{ owner: 'default', timer_id: first.body.id }]);
  });

  it('creates exactly one timer for 20 concurrent requests with one key, and every answer names it', async () => {
    const key = freshKey();
    const before = await countTimers(t.db);

    const answers = await Promise.all(Array.from({ length: 20 }, () => post(key)));

    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.map((a) => a.status).sort((x, y) => x - y)).toEqual([...Array<number>(19).fill(200), 201]);
    expect(await countTimers(t.db)).toBe(before + 1);
    const [id] = ids;
    expect(await countTimers(t.db, `id = '${id}'`)).toBe(1);
    expect(await keyRows(key)).toEqual([{ owner: 'default', timer_id: id }]);
  });

  it('scopes keys per tenant: the same key from two API keys of one tenant names one timer', async () => {
    const key = freshKey();

    const a = await post(key, body, keyedApi, KEY_A);
    const b = await post(key, body, keyedApi, KEY_B);

    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.body.id).toBe(a.body.id);
    expect(await keyRows(key)).toEqual([{ owner: 'default', timer_id: a.body.id }]);
  });

  it('lets a key be used again once it is older than 24 hours, for a new timer', async () => {
    const key = freshKey();
    const first = await post(key);
    await t.db.raw(`UPDATE idempotency_keys SET created_at = ${t.sql.minus(t.sql.now)} WHERE idem_key = ?`, [
      t.sql.duration(24 * 3600_000 + 1000),
      key,
    ]);

    const later = await post(key, { seconds: 30, url: HOOK_URL });

    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
    expect(await keyRows(key)).toEqual([{ owner: 'default', timer_id: later.body.id }]);
  });

  it('creates a new timer for every request without the header', async () => {
    const before = await countTimers(t.db);

    const [a, b] = [await api.http().post('/timers').send(body), await api.http().post('/timers').send(body)];

    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect(await countTimers(t.db)).toBe(before + 2);
  });

  it.each([
    ['too long', 'k'.repeat(256)],
    ['a control character', 'abc\tdef'],
    ['non-ASCII', 'clé'],
  ])('refuses a key that is %s with 400 and writes nothing', async (_what, key) => {
    const before = await countTimers(t.db);

    const res = await post(key);

    expectError(res, 400, 'validation_failed');
    expect(res.body.error.details).toEqual([{ path: 'Idempotency-Key', message: expect.any(String) }]);
    expect(await countTimers(t.db)).toBe(before);
  });

  it('accepts a key of 255 printable characters', async () => {
    const res = await post(`${'x'.repeat(127)} ${'y'.repeat(127)}`);

    expect(res.status).toBe(201);
  });
});
