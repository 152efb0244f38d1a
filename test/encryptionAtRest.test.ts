/**
 * Encryption at rest: timers and schedules created with known secret markers in
 * the URL's path, query and userinfo, the payload, a header value and a
 * completion callback URL, or given them by a PATCH, are delivered with every
 * marker (the completion notice too, whose body holds its parent's URL and
 * payload), while a `mariadb-dump` of the database (on SQLite: the bytes of
 * every file of the database) holds none of them. The origin stays readable. A value sealed under a key no longer in DATA_KEYS fails
 * only its own timer.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  createSilentLogger,
  DataKeys,
  loadConfig,
  Metrics,
  newDataKey,
  newId,
  parseDataKeys,
  parseDatabaseUrl,
  select,
  Store,
  systemClock,
} from '@timer/shared';
import { Controller, OccurrenceLoop } from '@timer/controller';
import { createTestDatabase, DIALECTS, SERVER_URL, TestDatabase } from './helpers/db';
import { Delivery, Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';
import { RunningApi, startApp } from '../timer-api/test/support';
import { QUICK } from '../timer-controller/test/controllerRig';

const KEY = `key-${randomBytes(16).toString('hex')}`;
const marker = (what: string) => `${what}${randomBytes(8).toString('hex')}`;
const M = {
  path: marker('PATHSECRET'),
  query: marker('QUERYSECRET'),
  password: marker('PASSSECRET'),
  payload: marker('PAYLOADSECRET'),
  header: marker('HEADERSECRET'),
  schedulePath: marker('SCHEDPATHSECRET'),
  schedulePayload: marker('SCHEDPAYLOADSECRET'),
  callbackPath: marker('CALLBACKSECRET'),
  patchPath: marker('PATCHPATHSECRET'),
  patchPayload: marker('PATCHPAYLOADSECRET'),
  schedulePatchPath: marker('SCHEDPATCHSECRET'),
};

/** Everything the database holds, as text: a mariadb-dump, or the SQLite files' bytes. */
async function dumpOf(t: TestDatabase): Promise<string> {
  if (t.sql.name === 'sqlite') {
    const dir = path.dirname(t.name);
    const files = await readdir(dir);
    const bytes = await Promise.all(files.map((f) => readFile(path.join(dir, f))));
    return Buffer.concat(bytes).toString('latin1');
  }
  const server = parseDatabaseUrl(SERVER_URL);
  if (typeof server === 'string') throw new Error(server);
  const { stdout } = await promisify(execFile)(
    'mariadb-dump',
    ['-h', server.host, '-P', String(server.port), '-u', server.user, '--skip-extended-insert', t.name],
    { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, MYSQL_PWD: server.password ?? '' } },
  );
  return stdout;
}

describe.each(DIALECTS)('on %s', (dialect) => {
  const env = { ...QUICK, API_KEYS: KEY, DATA_KEYS: newDataKey('k1') };
  let t: TestDatabase;
  let api: RunningApi;
  let controller: Controller;
  let occurrences: OccurrenceLoop;
  let receiver: Receiver;
  const auth = { Authorization: `Bearer ${KEY}` };

  beforeAll(async () => {
    t = await createTestDatabase('at_rest', env, dialect);
    const config = loadConfig({ DATABASE_URL: t.url, ...env }, { standalone: dialect === 'sqlite' });
    receiver = await startReceiver(() => 200);
    api = await startApp(config, t.store);
    const deps = { config, store: t.store, logger: createSilentLogger(), clock: systemClock };
    controller = new Controller(deps);
    occurrences = new OccurrenceLoop({ ...deps, metrics: new Metrics({ processMetrics: false }) });
    controller.start();
    occurrences.start();
  });

  afterAll(async () => {
    await occurrences?.stop();
    await controller?.stop();
    await receiver?.close();
    await api?.close();
    await t?.drop();
  });

  const arrived = (id: string) =>
    waitFor(`the webhook of ${id}`, () => Promise.resolve(receiver.deliveries.find((d) => d.id === id) ?? null));

  it('fails only the timer sealed under a key DATA_KEYS no longer holds, as invalid_request', async () => {
    const retired = new Store(t.db, 10_000, { dataKeys: new DataKeys(parseDataKeys('OLD', newDataKey('old')).keys) });
    const lost = newId();
    const now = new Date(Date.now() - 1000);
    await retired.timers.create({ id: lost, url: `${receiver.url}/lost`, createdAt: now, fireAt: now });
    const fine = await api
      .http()
      .post('/timers')
      .set(auth)
      .send({ url: receiver.url, payload: { ok: 1 } });
    expect(fine.status).toBe(201);
    await arrived((fine.body as { id: string }).id);
    const failed = await waitFor('the unreadable timer to fail', async () => {
      const [row] = await select<{ status: string; last_error: string | null }>(
        t.db,
        10_000,
        'SELECT status, last_error FROM timers WHERE id = ?',
        [lost],
      );
      return row.status === 'failed' ? row : null;
    });
    expect(failed.last_error).toMatch(/data key "old"/);
    expect(receiver.deliveries.some((d) => d.id === lost)).toBe(false);
    await expect(api.http().get(`/timers/${lost}`).set(auth)).resolves.toHaveProperty('status', 500);
  });

  it('keys the idempotency request hash with the data keys', async () => {
    const body = { url: receiver.url, seconds: 3600 };
    const send = (b: object) => api.http().post('/timers').set(auth).set('Idempotency-Key', 'k-hmac').send(b);
    const first = await send(body);
    expect(first.status).toBe(201);
    const [row] = await select<{ request_hash: string }>(
      t.db,
      10_000,
      "SELECT request_hash FROM idempotency_keys WHERE idem_key = 'k-hmac'",
    );
    const plain = createHash('sha256')
      .update(JSON.stringify({ seconds: 3600, url: receiver.url }))
      .digest('hex');
    expect(row.request_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.request_hash).not.toBe(plain);
    expect((await send(body)).body).toMatchObject({ id: (first.body as { id: string }).id });
    expect((await send({ ...body, seconds: 60 })).status).toBe(409);
  });

  it('delivers every secret while the dump holds none of them', async () => {
    const base = new URL(receiver.url);
    const url = `http://alice:${M.password}@${base.host}${base.pathname}/${M.path}?token=${M.query}`;
    const created = await api
      .http()
      .post('/timers')
      .set(auth)
      .send({
        url,
        payload: { card: M.payload },
        headers: { 'X-Api-Key': M.header },
        callbacks: { on_success: `${receiver.url}/cb/${M.callbackPath}` },
      });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    // Created plain, then given a secret URL and payload by a PATCH, due in a second.
    const later = await api.http().post('/timers').set(auth).send({ url: receiver.url, seconds: 3600 });
    expect(later.status).toBe(201);
    const patchedId = (later.body as { id: string }).id;
    const patchedUrl = `${receiver.url}/p/${M.patchPath}`;
    const patched = await api
      .http()
      .patch(`/timers/${patchedId}`)
      .set(auth)
      .send({ url: patchedUrl, payload: { p: M.patchPayload }, seconds: 1 });
    expect(patched.status).toBe(200);
    const schedule = await api
      .http()
      .post('/schedules')
      .set(auth)
      .send({ cron: '* * * * * *', url: `${receiver.url}/s/${M.schedulePath}`, payload: { s: M.schedulePayload } });
    expect(schedule.status).toBe(201);
    const scheduleId = (schedule.body as { id: string }).id;

    const d: Delivery = await arrived(id);
    expect(d.path).toBe(`${base.pathname}/${M.path}/${id}`);
    expect(d.search).toBe(`?token=${M.query}`);
    expect(d.body).toEqual({ card: M.payload });
    expect(d.headers['x-api-key']).toBe(M.header);
    expect(Buffer.from(String(d.headers.authorization).replace(/^Basic /, ''), 'base64').toString()).toBe(
      `alice:${M.password}`,
    );
    const occurrence = await waitFor('an occurrence of the schedule', () =>
      Promise.resolve(receiver.deliveries.find((x) => x.path.includes(`/s/${M.schedulePath}/`)) ?? null),
    );
    expect(occurrence.body).toEqual({ s: M.schedulePayload });

    // The notice goes to the sealed callback URL, and carries its parent as GET shows it.
    const notice = await waitFor('the completion notice', () =>
      Promise.resolve(receiver.deliveries.find((x) => x.id === M.callbackPath) ?? null),
    );
    expect(notice.path).toBe(`${base.pathname}/cb/${M.callbackPath}`);
    expect(notice.body).toMatchObject({
      type: 'timer.succeeded',
      timer: {
        id,
        url,
        payload: { card: M.payload },
        callbacks: { on_success: `${receiver.url}/cb/${M.callbackPath}` },
      },
    });

    const patchedDelivery = await arrived(patchedId);
    expect(patchedDelivery.path).toBe(`${base.pathname}/p/${M.patchPath}/${patchedId}`);
    expect(patchedDelivery.body).toEqual({ p: M.patchPayload });
    const shownPatched = await api.http().get(`/timers/${patchedId}`).set(auth);
    expect(shownPatched.body).toMatchObject({ url: patchedUrl, payload: { p: M.patchPayload }, version: 2 });

    const schedulePatched = await api
      .http()
      .patch(`/schedules/${scheduleId}`)
      .set(auth)
      .send({ url: `${receiver.url}/s2/${M.schedulePatchPath}` });
    expect(schedulePatched.status).toBe(200);
    const patchedOccurrence = await waitFor('an occurrence of the patched schedule', () =>
      Promise.resolve(receiver.deliveries.find((x) => x.path.includes(`/s2/${M.schedulePatchPath}/`)) ?? null),
    );
    expect(patchedOccurrence.body).toEqual({ s: M.schedulePayload });

    // The api shows what it showed before: the URL as given, header names only.
    const shown = await api.http().get(`/timers/${id}`).set(auth);
    expect(shown.body).toMatchObject({ url, payload: { card: M.payload }, headers: ['X-Api-Key'] });
    const listed = await api.http().get('/schedules').set(auth);
    expect(listed.body).toMatchObject({ items: [{ url: `${receiver.url}/s2/${M.schedulePatchPath}` }] });

    await occurrences.stop();
    await controller.stop();
    await api.close();
    const dump = await dumpOf(t);
    expect(dump).toContain(id); // the dump is of the right database
    expect(dump).toContain(patchedId);
    expect(dump).toContain(`http://${base.host}`); // the origin stays readable
    for (const [what, secret] of Object.entries(M)) {
      expect({ what, found: dump.includes(secret) }).toEqual({ what, found: false });
    }
  });
});

it('SQLite: what is deleted does not survive in the file (secure_delete)', async () => {
  const t = await createTestDatabase('secure_delete', {}, 'sqlite');
  try {
    const secret = marker('DELETEDSECRET');
    const now = new Date();
    const ids = Array.from({ length: 20 }, () => newId());
    for (const id of ids)
      await t.store.timers.create({ id, url: `http://127.0.0.1:9/${secret}`, createdAt: now, fireAt: now });
    await t.db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    expect(await dumpOf(t)).toContain(secret); // stored as it is without keys: the check can see it
    await t.db.raw('DELETE FROM timers');
    await t.db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    expect(await dumpOf(t)).not.toContain(secret);
  } finally {
    await t.drop();
  }
});
