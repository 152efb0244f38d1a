/**
 * Timers in bulk, on both databases: POST /timers/batch is all or nothing and
 * names every bad item; its Idempotency-Key stands for the whole set; labels are
 * stored, shown, filtered on (all must match, with status and the cursor) and
 * copied from a schedule onto its occurrences; DELETE /timers?label=… cancels
 * pending matches up to its cap and says how many remain.
 */
import { newId, select } from '@timer/shared';
import { countTimers, createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { makeApiKey } from '../src/domain/keyMaking';
import { expectError, HOOK_URL, RunningApi, startApp } from './support';

describe.each(DIALECTS)('timers in bulk on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;
  let run = 0;

  beforeAll(async () => {
    t = await createTestDatabase('api_batch', { MAX_BATCH_SIZE: '1000', MAX_CANCEL_PER_CALL: '50' }, dialect);
    api = await startApp(t.config, t.store);
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  /** A label value no other test uses. */
  const fresh = () => `${dialect}-${++run}`;
  const item = (labels: Record<string, string>, seconds = 3600) => ({ seconds, url: HOOK_URL, labels });

  it('creates 1,000 timers in one request, in order, with their labels', async () => {
    const campaign = fresh();
    const timers = Array.from({ length: 1000 }, (_, i) => item({ campaign, row: String(i) }, 3600 + i));
    const before = await countTimers(t.db);

    const res = await api.http().post('/timers/batch').send({ timers });

    expect(res.status).toBe(201);
    expect(res.body.timers).toHaveLength(1000);
    expect(res.body.timers.map((x: { labels: { row: string } }) => x.labels.row)).toEqual(
      timers.map((x) => x.labels.row),
    );
    expect(new Set(res.body.timers.map((x: { id: string }) => x.id)).size).toBe(1000);
    expect(await countTimers(t.db)).toBe(before + 1000);
    const shown = await api.http().get(`/timers/${res.body.timers[7].id}`);
    expect(shown.body.labels).toEqual({ campaign, row: '7' });
  });

  it('stores nothing when one item is bad, and names each bad item by its index', async () => {
    const campaign = fresh();
    const timers = Array.from({ length: 1000 }, () => item({ campaign }));
    timers[3] = { ...timers[3], url: 'ftp://example.com/x' };
    (timers[998] as Record<string, unknown>).seconds = -1;
    const before = await countTimers(t.db);

    const res = await api.http().post('/timers/batch').send({ timers });

    expectError(res, 400, 'validation_failed');
    const paths = (res.body.error.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['timers.3.url', 'timers.998.seconds']));
    expect(await countTimers(t.db)).toBe(before);
  });

  it('names every item that repeats a bad URL, and gives each item its own flow key', async () => {
    const campaign = fresh();
    // Past the schema's pattern, refused by the webhook URL rules (planBatch reads it once).
    const bad = 'http://exa mple.com/x';
    const timers: Record<string, unknown>[] = Array.from({ length: 6 }, () => item({ campaign }));
    timers[1] = { ...timers[1], url: bad };
    timers[4] = { ...timers[4], url: bad };
    const refused = await api.http().post('/timers/batch').send({ timers });
    expectError(refused, 400, 'validation_failed');
    const paths = (refused.body.error.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['timers.1.url', 'timers.4.url']));

    // One URL: the items without a flow_key share its origin; the one with its own keeps it.
    timers[1] = { ...item({ campaign }), flow_key: 'imports' };
    timers[4] = item({ campaign });
    const res = await api.http().post('/timers/batch').send({ timers });
    expect(res.status).toBe(201);
    const keys = (res.body.timers as { flow_key: string }[]).map((x) => x.flow_key);
    const origin = new URL(HOOK_URL).origin;
    expect(keys).toEqual([origin, 'imports', origin, origin, origin, origin].map((k) => expect.stringContaining(k)));
  });

  it('names items whose delay the schema cannot judge (rules checked after it) by index too', async () => {
    const timers = [item({}), { fire_at: '2026-01-01T00:00:00Z', seconds: 5, url: HOOK_URL }];
    const res = await api.http().post('/timers/batch').send({ timers });
    expectError(res, 400, 'validation_failed');
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'timers.1.fire_at' })]);
    expect(res.body.error.message).toContain('timers[1]');
  });

  it('refuses more than MAX_BATCH_SIZE items and an empty batch, storing nothing', async () => {
    const before = await countTimers(t.db);
    const over = await api
      .http()
      .post('/timers/batch')
      .send({ timers: Array.from({ length: 1001 }, () => item({})) });
    expectError(over, 400, 'validation_failed');
    expect(over.body.error.message).toContain('MAX_BATCH_SIZE');
    expectError(await api.http().post('/timers/batch').send({ timers: [] }), 400, 'validation_failed');
    expect(await countTimers(t.db)).toBe(before);
  });

  it('answers a repeated batch with its Idempotency-Key with the same timers, and 20 concurrent repeats make one set', async () => {
    const campaign = fresh();
    const body = { timers: Array.from({ length: 50 }, (_, i) => item({ campaign, row: String(i) })) };
    const before = await countTimers(t.db);

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => api.http().post('/timers/batch').set('Idempotency-Key', campaign).send(body)),
    );
    const again = await api.http().post('/timers/batch').set('Idempotency-Key', campaign).send(body);

    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.every((a) => a.status === 201 || a.status === 200)).toBe(true);
    const ids = (a: { body: { timers: { id: string }[] } }) => a.body.timers.map((x) => x.id).join();
    expect(new Set(answers.map(ids)).size).toBe(1);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(ids(again)).toBe(ids(answers[0]));
    expect(await countTimers(t.db)).toBe(before + 50);
    const other = await api
      .http()
      .post('/timers/batch')
      .set('Idempotency-Key', campaign)
      .send({ timers: [item({ campaign })] });
    expectError(other, 409, 'idempotency_key_reused');
  });

  it("counts a batch as its size against its tenant's pending cap", async () => {
    // A database of its own: a key in the database makes every api on it ask for keys.
    const own = await createTestDatabase('api_batch_cap', {}, dialect);
    const made = makeApiKey();
    await own.store.tenants.addKey({ id: made.id, digest: made.digest, tenant: 'batchers', scope: 'write' });
    const capped = await startApp({ ...own.config, maxPendingPerKey: 10 }, own.store);
    try {
      const send = (n: number) =>
        capped
          .http()
          .post('/timers/batch')
          .set('Authorization', `Bearer ${made.key}`)
          .send({ timers: Array.from({ length: n }, () => item({})) });
      expect((await send(8)).status).toBe(201);
      expectError(await send(3), 429, 'pending_quota_exceeded');
      expect((await send(2)).status).toBe(201);
    } finally {
      await capped.close();
      await own.drop();
    }
  });

  it('lists by labels (all must match), with status, page by page', async () => {
    const order = fresh();
    const created = await api
      .http()
      .post('/timers/batch')
      .send({
        timers: Array.from({ length: 45 }, (_, i) => item({ order, kind: i % 3 === 0 ? 'reminder' : 'invoice' })),
      });
    const reminders = created.body.timers.filter((x: { labels: { kind: string } }) => x.labels.kind === 'reminder');
    await api.http().delete(`/timers/${reminders[0].id}`).expect(200);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api
        .http()
        .get('/timers')
        .query(`label=order:${order}&label=kind:reminder&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((x: { id: string }) => x.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(reminders.map((x: { id: string }) => x.id).reverse());

    const pending = await api.http().get('/timers').query(`label=order:${order}&label=kind:reminder&status=pending`);
    expect(pending.body.items).toHaveLength(reminders.length - 1);
    const canceled = await api
      .http()
      .get('/timers')
      .query({ label: `order:${order}`, status: 'canceled' });
    expect(canceled.body.items.map((x: { id: string }) => x.id)).toEqual([reminders[0].id]);
    const none = await api
      .http()
      .get('/timers')
      .query({ label: `order:${order}-nobody` });
    expect(none.body.items).toEqual([]);
  });

  it('refuses a label filter that is not name:value, and labels over their limits', async () => {
    expectError(await api.http().get('/timers').query({ label: 'nocolon' }), 400, 'validation_failed');
    expectError(await api.http().get('/timers').query({ label: ':value' }), 400, 'validation_failed');
    const tooMany = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    for (const labels of [tooMany, { 'bad name': 'v' }, { ok: 'x'.repeat(129) }, { ok: 'line\nbreak' }, { ok: 5 }]) {
      expectError(
        await api.http().post('/timers').send({ seconds: 60, url: HOOK_URL, labels }),
        400,
        'validation_failed',
      );
    }
  });

  it('cancels pending matches up to MAX_CANCEL_PER_CALL, and a second call finishes the rest', async () => {
    const order = fresh();
    await api
      .http()
      .post('/timers/batch')
      .send({ timers: Array.from({ length: 70 }, () => item({ order })) })
      .expect(201);
    await api
      .http()
      .post('/timers')
      .send(item({ order: `${order}-other` }))
      .expect(201);

    const first = await api
      .http()
      .delete('/timers')
      .query({ label: `order:${order}` });
    const second = await api
      .http()
      .delete('/timers')
      .query({ label: `order:${order}` });
    const third = await api
      .http()
      .delete('/timers')
      .query({ label: `order:${order}` });

    expect(first.body).toEqual({ canceled: 50, not_cancelable: 0, remaining: 20 });
    expect(second.body).toEqual({ canceled: 20, not_cancelable: 0, remaining: 0 });
    expect(third.body).toEqual({ canceled: 0, not_cancelable: 0, remaining: 0 });
    const [row] = await select<{ n: number }>(
      t.db,
      5000,
      "SELECT COUNT(*) AS n FROM timers WHERE status = 'pending' AND labels LIKE ?",
      [`%${order}-other%`],
    );
    expect(Number(row.n)).toBe(1);
  });

  it('needs a label to cancel, and takes no body', async () => {
    expectError(await api.http().delete('/timers'), 400, 'validation_failed');
    expectError(await api.http().delete('/timers').query({ label: 'a:b' }).send({ x: 1 }), 400, 'validation_failed');
  });

  it("copies a schedule's labels onto its occurrences", async () => {
    const team = fresh();
    const schedule = await api.http().post('/schedules').send({ cron: '0 0 1 1 *', url: HOOK_URL, labels: { team } });
    expect(schedule.status).toBe(201);
    expect(schedule.body.labels).toEqual({ team });
    const due = await t.store.schedules.findDue({ limit: 10, lookaheadMs: 400 * 24 * 3600 * 1000 });
    const mine = due.schedules.find((s) => s.id === schedule.body.id)!;
    expect(mine.labels).toEqual({ team });
    await t.store.schedules.createOccurrences([
      { schedule: mine, occurrences: [{ id: newId(), at: mine.nextRunAt }], nextRunAt: null },
    ]);

    const listed = await api
      .http()
      .get('/timers')
      .query({ label: `team:${team}` });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ schedule_id: schedule.body.id, labels: { team } });
  });
});
