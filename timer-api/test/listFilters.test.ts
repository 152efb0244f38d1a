/**
 * GET /timers' filters besides status and label, as the dashboard's lists use
 * them: a schedule's occurrences (schedule_id) and a flow's timers (flow: its
 * own flow_key, or an origin, however its default port is written), combined
 * with status and paged by cursor, each page read through its own index. On
 * MariaDB and SQLite.
 */
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp } from './support';

const SCHEDULE = '0190aaaa-0000-7000-8000-000000000001';

describe.each(DIALECTS)('filtering timers on %s', (dialect) => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase('api_list_filters', {}, dialect);
    api = await startApp(t.config, t.store, { nudger: { nudge: () => undefined } });
  });

  afterAll(async () => {
    await api?.close();
    await t?.drop();
  });

  beforeEach(async () => {
    await t.db.raw('DELETE FROM timers');
  });

  async function create(body: Record<string, unknown>): Promise<string> {
    const res = await api
      .http()
      .post('/timers')
      .send({ minutes: 30, url: HOOK_URL, ...body });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  async function listed(query: Record<string, string | number>): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api
        .http()
        .get('/timers')
        .query({ ...query, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      ids.push(...res.body.items.map((x: { id: string }) => x.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    return ids;
  }

  it("lists a schedule's occurrences newest first, page by page, with a status", async () => {
    const occurrences = [];
    for (let i = 0; i < 5; i++) occurrences.push(await create({}));
    await create({});
    const list = occurrences.map(() => '?').join(', ');
    await t.db.raw(`UPDATE timers SET schedule_id = ? WHERE id IN (${list})`, [SCHEDULE, ...occurrences]);
    await t.db.raw("UPDATE timers SET status = 'canceled', due_at = NULL WHERE id = ?", [occurrences[1]]);

    expect(await listed({ schedule_id: SCHEDULE, limit: 2 })).toEqual([...occurrences].reverse());
    expect(await listed({ schedule_id: SCHEDULE.toUpperCase(), status: 'canceled' })).toEqual([occurrences[1]]);
    expect(await listed({ schedule_id: '0190aaaa-0000-7000-8000-000000000002' })).toEqual([]);
  });

  it("lists a flow's timers: its own flow_key, or an origin with or without its port", async () => {
    const keyed = [await create({ flow_key: 'partner-billing' }), await create({ flow_key: 'partner-billing' })];
    const byOrigin = [await create({}), await create({ url: 'https://example.com:443/other' })];
    const elsewhere = await create({ url: 'https://other.example:8443/hooks' });

    expect(await listed({ flow: 'partner-billing', limit: 1 })).toEqual([...keyed].reverse());
    expect(await listed({ flow: 'https://example.com' })).toEqual([...byOrigin].reverse());
    expect(await listed({ flow: 'https://example.com:443/' })).toEqual([...byOrigin].reverse());
    expect(await listed({ flow: 'https://other.example:8443' })).toEqual([elsewhere]);
    expect(await listed({ flow: 'https://example.com', status: 'failed' })).toEqual([]);
  });

  it('lists the timers sent to a host, over https and http, newest first across both, page by page', async () => {
    const https = [
      await create({ url: 'https://api.example.com/a' }),
      await create({ url: 'https://API.example.com:443/b' }),
    ];
    const http = await create({ url: 'http://api.example.com/c' });
    const later = await create({ url: 'https://api.example.com/d' });
    const otherPort = await create({ url: 'https://api.example.com:8443/e' });
    await create({ url: 'https://api.example.com/f', flow_key: 'own-flow' });
    await create({ url: 'https://other.example.com/g' });

    expect(await listed({ host: 'api.example.com', limit: 1 })).toEqual([later, http, https[1], https[0]]);
    expect(await listed({ host: 'API.example.com', limit: 3 })).toEqual([later, http, https[1], https[0]]);
    expect(await listed({ host: 'api.example.com:8443' })).toEqual([otherPort]);
    expect(await listed({ host: 'api.example.com', status: 'failed' })).toEqual([]);
    expect(await listed({ host: 'nowhere.example' })).toEqual([]);
  });

  it.each([[{ host: 'a b' }], [{ host: 'example.com:70000' }], [{ host: 'example.com', flow: 'x' }]])(
    'refuses the host filter %j',
    async (query) => {
      expectError(await api.http().get('/timers').query(query), 400, 'validation_failed');
    },
  );

  it.each([[{ schedule_id: 'not-a-uuid' }], [{ flow: 'has space' }], [{ flow: 'x'.repeat(256) }]])(
    'refuses %j',
    async (query) => {
      expectError(await api.http().get('/timers').query(query), 400, 'validation_failed');
    },
  );

  if (dialect === 'mysql') {
    it('reads a schedule and a flow each through its own index, not sorting all of its timers', async () => {
      const timers = Array.from({ length: 1000 }, () => ({ minutes: 30, url: HOOK_URL, flow_key: 'partner-billing' }));
      for (let i = 0; i < 2; i++) expect((await api.http().post('/timers/batch').send({ timers })).status).toBe(201);
      await t.db.raw('UPDATE timers SET schedule_id = ?', [SCHEDULE]);
      await t.db.raw('ANALYZE TABLE timers');
      const plan = async (sql: string) => {
        const [rows] = await t.db.raw(`EXPLAIN ${sql}`);
        return (rows as Array<{ key: string | null }>)[0].key;
      };
      expect(await plan(`SELECT id FROM timers WHERE schedule_id = '${SCHEDULE}' ORDER BY id DESC LIMIT 51`)).toBe(
        'timers_schedule_id',
      );
      expect(await plan("SELECT id FROM timers WHERE flow_key = 'partner-billing' ORDER BY id DESC LIMIT 51")).toBe(
        'timers_flow_key_id',
      );
    });
  }
});
