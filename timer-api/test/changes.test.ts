/**
 * PATCH /timers/{id}, and versions: what a change sets (and what it leaves), the
 * version it raises and the weak ETag every single-timer answer carries, If-Match
 * on PATCH, DELETE and replay (412, nothing changed), a claim or a retry that
 * leaves the ETag alone, bad input refused with the row untouched, and what it
 * sends (payload, body, headers, method, append_id) laid over what is stored. The
 * timers here are pending, failed or finished; a timer a controller holds is
 * in test/changeUntilSent.test.ts. Both databases.
 */
import { decodeWebhookSpec, PLAIN_WEBHOOK, select } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp, timerRow } from './support';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

describe.each(DIALECTS)('changing a timer on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_changes', {}, dialect);
    api = await startApp(t.config, t.store, { nudger: { nudge() {} } });
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  async function create(body: Record<string, unknown> = {}): Promise<string> {
    const res = await api
      .http()
      .post('/timers')
      .send({ ...('fire_at' in body || 'hours' in body ? {} : { minutes: 10 }), url: HOOK_URL, ...body });
    expect(res.status).toBe(201);
    expect(res.headers.etag).toBe('W/"1"');
    return res.body.id as string;
  }

  const patch = (id: string, body: unknown, ifMatch?: string) => {
    const req = api.http().patch(`/timers/${id}`);
    if (ifMatch !== undefined) req.set('If-Match', ifMatch);
    return req.send(body as object);
  };

  it('moves a timer later: the new fire_at is stored and due, the version is raised, the ETag says so', async () => {
    const id = await create();
    const fireAt = new Date(Date.now() + 3_600_000);
    fireAt.setMilliseconds(0);

    const res = await patch(id, { fire_at: fireAt.toISOString() });

    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
    expect(res.body).toMatchObject({ id, status: 'pending', fire_at: fireAt.toISOString(), version: 2 });
    expect(await timerRow(t.db, id)).toMatchObject({ status: 'pending', fire_at: fireAt, due_at: fireAt });
    const read = await api.http().get(`/timers/${id}`);
    expect(read.headers.etag).toBe('W/"2"');
    expect(read.body.version).toBe(2);
  });

  it('moves a timer earlier with a delay from now, and changes its url alone', async () => {
    const id = await create({ hours: 2 });
    const before = Date.now();

    const res = await patch(id, { seconds: 5, url: 'https://example.com/other' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ url: 'https://example.com/other', time_left: 5, version: 2 });
    const row = (await timerRow(t.db, id))!;
    expect(row.fire_at.getTime()).toBeGreaterThanOrEqual(before + 4000);
    expect(row.fire_at.getTime()).toBeLessThanOrEqual(Date.now() + 6000);
    expect(row.due_at).toEqual(row.fire_at);
  });

  it('merges the retry policy field by field; null returns a field to the service default', async () => {
    const id = await create({ retry: { max_attempts: 10, base_ms: 2000, max_ms: 600_000 } });

    const res = await patch(id, { retry: { max_attempts: 3, base_ms: null } });

    expect(res.status).toBe(200);
    expect(res.body.retry).toEqual({ max_attempts: 3, base_ms: null, max_ms: 600_000 });
    expect(res.body.fire_at).toBeDefined();
  });

  it('changes the missed-fire rule: skip keeps a stored bound, fire clears it, a bound alone needs skip', async () => {
    const id = await create({ on_late: 'skip', max_lateness_seconds: 60 });

    expect((await patch(id, { max_lateness_seconds: 120 })).body).toMatchObject({
      on_late: 'skip',
      max_lateness_seconds: 120,
    });
    expect((await patch(id, { on_late: 'fire' })).body).toMatchObject({ on_late: 'fire', max_lateness_seconds: null });
    const refused = await patch(id, { max_lateness_seconds: 30 });
    expectError(refused, 400, 'validation_failed');
    expect((await patch(id, { on_late: 'skip', max_lateness_seconds: 30 })).body).toMatchObject({
      on_late: 'skip',
      max_lateness_seconds: 30,
      version: 4,
    });
  });

  it.each([
    ['no field at all', {}],
    ['an unknown field', { colour: 'red' }],
    ['both fire_at and a delay', { fire_at: new Date().toISOString(), seconds: 1 }],
    ['a delay over the cap', { hours: 900_000 }],
    ['a url that is not http(s)', { url: 'ftp://example.com/x' }],
    ['max_ms below base_ms after the merge', { retry: { max_ms: 500 } }],
  ])('refuses %s with 400, and changes nothing', async (_, body) => {
    const id = await create({ retry: { base_ms: 1000 } });
    const before = await timerRow(t.db, id);

    expectError(await patch(id, body), 400, 'validation_failed');

    expect(await timerRow(t.db, id)).toEqual(before);
    expect((await api.http().get(`/timers/${id}`)).body.version).toBe(1);
  });

  it('applies If-Match: a stale ETag is 412 and changes nothing, the current one (or *) applies', async () => {
    const id = await create();
    expect((await patch(id, { minutes: 20 })).status).toBe(200);
    const before = await timerRow(t.db, id);

    expectError(await patch(id, { minutes: 30 }, 'W/"1"'), 412, 'precondition_failed');
    expectError(await api.http().delete(`/timers/${id}`).set('If-Match', '"1"'), 412, 'precondition_failed');
    expect(await timerRow(t.db, id)).toEqual(before);

    expect((await patch(id, { minutes: 30 }, 'W/"1", W/"2"')).headers.etag).toBe('W/"3"');
    expect((await patch(id, { minutes: 40 }, '*')).headers.etag).toBe('W/"4"');
    const canceled = await api.http().delete(`/timers/${id}`).set('If-Match', 'W/"4"');
    expect(canceled.status).toBe(200);
    expect(canceled.headers.etag).toBe('W/"5"');
    expect(canceled.body).toMatchObject({ status: 'canceled', version: 5 });
  });

  it('merges concurrent changes of different fields: none is lost, each is a version', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => create()));

    const answers = await Promise.all(
      ids.flatMap((id) => [
        patch(id, { retry: { max_attempts: 3 } }),
        patch(id, { retry: { base_ms: 2000 } }),
        patch(id, { headers: { 'X-A': '1' } }),
      ]),
    );

    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    for (const id of ids) {
      const { body } = await api.http().get(`/timers/${id}`);
      expect(body).toMatchObject({ retry: { max_attempts: 3, base_ms: 2000 }, headers: ['X-A'], version: 4 });
    }
  });

  it('keeps the ETag through a claim and a retry: only clients change the version', async () => {
    const id = await create({ fire_at: new Date(Date.now() - 1000).toISOString() });
    const etag = (await api.http().get(`/timers/${id}`)).headers.etag;

    // Other tests' timers may be due by now too: this one is found among the claimed.
    const claimed = await t.store.claims.claimDue({ owner: 'ctl-1', limit: 100, leaseMs: 30_000, lookaheadMs: 0 });
    const claim = claimed.find((c) => c.id === id)!;
    expect(claim).toMatchObject({ id, version: 1 });
    expect((await api.http().get(`/timers/${id}`)).headers.etag).toBe(etag);
    expect(await t.store.claims.scheduleRetry('ctl-1', claim, 60_000, 'HTTP 503')).toBe(true);

    const read = await api.http().get(`/timers/${id}`);
    expect(read.body).toMatchObject({ status: 'pending', attempts: 1, version: 1 });
    expect(read.headers.etag).toBe(etag);
  });

  it('changes a failed timer, which stays failed until replayed; its fire time cannot change', async () => {
    const id = await create({ fire_at: new Date(Date.now() - 1000).toISOString() });
    // Other tests' timers may be due by now too: this one is found among the claimed.
    const claimed = await t.store.claims.claimDue({ owner: 'ctl-1', limit: 100, leaseMs: 30_000, lookaheadMs: 0 });
    const claim = claimed.find((c) => c.id === id)!;
    expect(await t.store.claims.fail('ctl-1', claim, 'HTTP 410')).toBe(true);

    const res = await patch(id, { url: 'https://example.com/fixed' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'failed', url: 'https://example.com/fixed', version: 2 });
    expect((await timerRow(t.db, id))!.due_at).toBeNull();
    expectError(await patch(id, { seconds: 5 }), 409, 'timer_not_changeable');

    expectError(await api.http().post(`/timers/${id}/retry`).set('If-Match', 'W/"1"'), 412, 'precondition_failed');
    const replayed = await api.http().post(`/timers/${id}/retry`).set('If-Match', 'W/"2"');
    expect(replayed.status).toBe(200);
    expect(replayed.headers.etag).toBe('W/"3"');
    expect(replayed.body).toMatchObject({ status: 'pending', url: 'https://example.com/fixed', version: 3 });
  });

  it.each(['fired', 'canceled', 'skipped'])('refuses to change a %s timer: 409, nothing changed', async (status) => {
    const id = await create();
    await t.db.raw(`UPDATE timers SET status = ?, due_at = NULL WHERE id = ?`, [status, id]);
    const before = await timerRow(t.db, id);

    const res = await patch(id, { minutes: 1 });

    expectError(res, 409, 'timer_not_changeable');
    expect(res.body.error.message).toContain(status);
    expect(await timerRow(t.db, id)).toEqual(before);
  });

  describe('what it sends', () => {
    const webhookOf = async (id: string) => {
      const [row] = await select<{ webhook: string | null }>(t.db, 5000, 'SELECT webhook FROM timers WHERE id = ?', [
        id,
      ]);
      return decodeWebhookSpec(row.webhook);
    };

    it('lays the fields over what is stored: a payload replaces a body, headers replace the set', async () => {
      const id = await create({
        body: 'a=1',
        content_type: 'application/x-www-form-urlencoded',
        headers: { 'X-A': '1' },
      });

      const res = await patch(id, { payload: { order: 7 }, headers: { 'X-B': '2' }, method: 'PUT' });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        payload: { order: 7 },
        body: null,
        content_type: 'application/json',
        headers: ['X-B'],
        method: 'PUT',
        append_id: true,
        version: 2,
      });
      expect(await webhookOf(id)).toEqual({
        content: { kind: 'payload', value: { order: 7 } },
        headers: [['X-B', '2']],
        method: 'PUT',
        appendId: true,
      });
    });

    it('re-types a stored body with content_type alone; body null and the nulls return to the plain webhook', async () => {
      const id = await create({ body: 'hello', headers: { 'X-A': '1' }, method: 'PATCH', append_id: false });

      expect((await patch(id, { content_type: 'text/csv' })).body).toMatchObject({
        body: 'hello',
        content_type: 'text/csv',
      });
      const plain = await patch(id, { body: null, headers: null, method: null, append_id: null });

      expect(plain.status).toBe(200);
      expect(await webhookOf(id)).toEqual(PLAIN_WEBHOOK);
      expect((await timerRow(t.db, id))?.url).toBe(HOOK_URL);
    });

    it('checks the result as a create would: credentials in a new url with an Authorization header, a size, a header', async () => {
      const id = await create({ headers: { Authorization: 'Bearer x' } });
      const before = await webhookOf(id);

      expectError(await patch(id, { url: 'https://user:pw@example.com/hooks' }), 400, 'validation_failed');
      expectError(await patch(id, { headers: { 'Timer-Id': 'x' } }), 400, 'validation_failed');
      expectError(await patch(id, { content_type: 'text/plain' }), 400, 'validation_failed');
      expectError(await patch(id, { body: 'x'.repeat(70 * 1024) }), 413, 'payload_too_large');

      expect(await webhookOf(id)).toEqual(before);
      expect((await api.http().get(`/timers/${id}`)).body.version).toBe(1);
    });
  });

  it('answers 404 for an unknown or malformed id', async () => {
    expectError(await patch(UNKNOWN_ID, { minutes: 1 }), 404, 'timer_not_found');
    expectError(await patch('not-an-id', { minutes: 1 }), 404, 'timer_not_found');
  });
});
