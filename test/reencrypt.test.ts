/**
 * Key rotation: rows sealed with an old data key (and rows stored plain) are
 * re-encrypted with the new first key in small batches while a controller keeps
 * firing timers that come due during the run, each exactly once; afterwards the
 * old key leaves DATA_KEYS and every timer, schedule and signing secret still
 * opens, and timers still fire with their secrets.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  AtRest,
  createSilentLogger,
  DataKeys,
  loadConfig,
  newDataKey,
  newId,
  parseDataKeys,
  ReencryptCount,
  Reencryption,
  select,
  Store,
  systemClock,
  WebhookSpec,
} from '@timer/shared';
import { Controller } from '@timer/controller';
import { createTestDatabase, DIALECTS, TestDatabase } from './helpers/db';
import { Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';
import { QUICK } from '../timer-controller/test/controllerRig';
import { findStale, rewriteSealed, SealedRow } from '../shared/src/reencrypt/sql/sealedColumns';

/** Quick polls; a webhook's time limit and the lease left generous, so that a busy machine retries nothing. */
const ENV = { ...QUICK, WEBHOOK_TIMEOUT_MS: '10000', LEASE_MS: '30000' };
const OLD = newDataKey('old');
const NEW = newDataKey('new');
const keys = (raw: string) => new DataKeys(parseDataKeys('DATA_KEYS', raw).keys);
const webhookWith = (secret: string): WebhookSpec => ({
  content: { kind: 'payload', value: { secret } },
  headers: [['X-Secret', secret]],
  method: 'POST',
  appendId: true,
});

/** Every sealed or sealable value of both tables, as stored. */
async function storedValues(t: TestDatabase): Promise<Array<string | null>> {
  const values: Array<string | null> = [];
  for (const table of ['timers', 'schedules']) {
    const rows = await select<{ url_sealed: string | null; webhook: string | null; callbacks: string | null }>(
      t.db,
      10_000,
      `SELECT url_sealed, webhook, callbacks FROM ${table}`,
    );
    for (const r of rows) values.push(r.url_sealed, r.webhook, r.callbacks);
  }
  return values;
}

describe.each(DIALECTS)('on %s', (dialect) => {
  let t: TestDatabase;
  let receiver: Receiver;
  let controller: Controller | undefined;

  beforeEach(async () => {
    t = await createTestDatabase('reencrypt', ENV, dialect);
    receiver = await startReceiver();
  });

  afterEach(async () => {
    await controller?.stop();
    await receiver.close();
    await t.drop();
  });

  const startController = (dataKeys: string) => {
    const config = loadConfig(
      { DATABASE_URL: t.url, ...ENV, DATA_KEYS: dataKeys, LOG_LEVEL: 'warn' },
      { standalone: dialect === 'sqlite' },
    );
    const store = new Store(t.db, 10_000, { dataKeys: keys(dataKeys) });
    controller = new Controller({ config, store, logger: createSilentLogger(), clock: systemClock });
    controller.start();
    return store;
  };

  it('re-encrypts old and plain rows while timers fire once each; then the old key can go', async () => {
    // Arrange: rows sealed with the old key (due soon, and later), rows written plain, a schedule, a secret.
    const oldStore = new Store(t.db, 10_000, { dataKeys: keys(OLD) });
    const plainStore = new Store(t.db, 10_000);
    const now = Date.now();
    const due: string[] = [];
    const later = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      const id = newId();
      due.push(id);
      const fireAt = new Date(now + 300 + i * 40);
      await oldStore.timers.create({ id, url: `${receiver.url}/due`, createdAt: new Date(now), fireAt });
    }
    for (let i = 0; i < 40; i++) {
      const id = newId();
      const secret = `SECRET${i}x${id.slice(-8)}`;
      later.set(id, secret);
      const store = i % 4 === 0 ? plainStore : oldStore;
      await store.timers.create({
        id,
        url: `${receiver.url}/${secret}?token=${secret}`,
        createdAt: new Date(now),
        fireAt: new Date(now + 3_600_000),
        webhook: webhookWith(secret),
        callbacks: { onFailure: `${receiver.url}/failed/${secret}` },
      });
    }
    const scheduleId = newId();
    await oldStore.schedules.create({
      id: scheduleId,
      cron: '0 0 1 1 *',
      timezone: 'UTC',
      url: `${receiver.url}/schedule-secret`,
      owner: null,
      nextRunAt: new Date(now + 86_400_000),
      webhook: webhookWith('schedule-secret'),
      createdAt: new Date(now),
    });
    await oldStore.tenants.ensure('acme');
    await oldStore.tenants.setSigningSecrets('acme', ['whsec_c2VjcmV0LW9mLWFjbWUtMTIzNDU2']);

    // Act: the new key first, the old one still held; re-encrypt in small batches while timers come due.
    const both = `${NEW},${OLD}`;
    startController(both);
    const progress: ReencryptCount[] = [];
    const runStart = Date.now();
    const counts = await new Reencryption(t.db, 10_000, keys(both)).run({
      batchSize: 7,
      pauseMs: 100,
      clock: systemClock,
      onProgress: (c) => progress.push(c),
    });
    const runEnd = Date.now();
    // The controller started with the run: timers were being sent while rows were rewritten.
    expect(receiver.deliveries.some((d) => d.arrivedAt >= runStart && d.arrivedAt <= runEnd)).toBe(true);

    // Assert: every row rewritten, none overwritten by or overwriting a controller's outcome.
    expect(counts).toEqual([
      { table: 'timers', rewritten: 100, changedMeanwhile: 0, unreadable: 0 },
      { table: 'schedules', rewritten: 1, changedMeanwhile: 0, unreadable: 0 },
      { table: 'tenants', rewritten: 1, changedMeanwhile: 0, unreadable: 0 },
    ]);
    expect(progress.filter((p) => p.table === 'timers').length).toBeGreaterThanOrEqual(100 / 7);
    for (const value of await storedValues(t)) {
      if (value !== null) expect(value.startsWith('$tk1$new$')).toBe(true);
    }
    await waitFor('every due timer to fire', async () => {
      const [row] = await select<{ n: number | string }>(
        t.db,
        10_000,
        "SELECT COUNT(*) AS n FROM timers WHERE status = 'fired'",
      );
      return Number(row.n) === due.length ? true : null;
    });
    const perId = receiver.countById();
    expect(due.map((id) => perId.get(id))).toEqual(due.map(() => 1));
    const attempts = await select<{ attempts: number | string }>(
      t.db,
      10_000,
      `SELECT attempts FROM timers WHERE id IN (${due.map(() => '?').join(',')})`,
      due,
    );
    expect(attempts.map((r) => Number(r.attempts))).toEqual(due.map(() => 1));
    await controller!.stop();
    controller = undefined;

    // The old key removed: everything opens, and what is left fires with its secrets.
    const newOnly = startController(NEW);
    for (const [id, secret] of later) {
      const timer = await newOnly.timers.find(id);
      expect(timer).toMatchObject({
        url: `${receiver.url}/${secret}?token=${secret}`,
        webhook: webhookWith(secret),
        callbacks: { onFailure: `${receiver.url}/failed/${secret}` },
      });
    }
    expect(await newOnly.schedules.find(scheduleId)).toMatchObject({ url: `${receiver.url}/schedule-secret` });
    expect(await newOnly.tenants.signingSecrets('acme')).toEqual(['whsec_c2VjcmV0LW9mLWFjbWUtMTIzNDU2']);
    await t.db.raw(`UPDATE timers SET fire_at = ${t.sql.now}, due_at = ${t.sql.now} WHERE status = 'pending'`);
    await waitFor('the later timers to arrive', () =>
      Promise.resolve([...later.keys()].every((id) => receiver.countById().has(id)) || null),
    );
    for (const [id, secret] of later) {
      const delivery = receiver.deliveries.find((d) => d.id === id)!;
      expect(delivery.path).toBe(`${new URL(receiver.url).pathname}/${secret}/${id}`);
      expect(delivery.body).toEqual({ secret });
      expect(delivery.headers['x-secret']).toBe(secret);
    }
  });

  it('leaves a row changed between its read and its rewrite to the writer, and never undoes an outcome', async () => {
    const oldStore = new Store(t.db, 10_000, { dataKeys: keys(OLD) });
    const now = new Date();
    const fireAt = new Date(now.getTime() + 3_600_000);
    const [patchedId, firedId] = [newId(), newId()];
    for (const id of [patchedId, firedId]) {
      await oldStore.timers.create({ id, url: `${receiver.url}/a`, createdAt: now, fireAt, webhook: webhookWith('a') });
    }
    const both = keys(`${NEW},${OLD}`);
    const bothStore = new Store(t.db, 10_000, { dataKeys: both });
    const atRest = new AtRest(both);
    const resealed = (r: SealedRow) => {
      const url = atRest.sealUrl(atRest.openUrl({ url: r.url, urlSealed: r.url_sealed }, r.tenant), r.tenant);
      return { url: url.url, url_sealed: url.urlSealed, webhook: r.webhook, callbacks: r.callbacks };
    };

    const rows = await findStale(t.db, 10_000, 'timers', '', null, '$tk1$new$');
    expect(rows.map((r) => r.id).sort()).toEqual([patchedId, firedId].sort());
    // Between the read and the rewrite: a PATCH of one timer, an outcome of the other.
    const patched = `${receiver.url}/patched`;
    await bothStore.timers.change(patchedId, { url: patched }, { from: 'pending', version: 1 });
    await t.db.raw("UPDATE timers SET status = 'fired', attempts = 1 WHERE id = ?", [firedId]);
    const written = await t.db.transaction(async (trx) =>
      Promise.all(rows.map((r) => rewriteSealed(trx, 10_000, 'timers', r, resealed(r)))),
    );

    expect(Object.fromEntries(rows.map((r, i) => [r.id, written[i]]))).toEqual({
      [patchedId]: false,
      [firedId]: true,
    });
    expect(await bothStore.timers.find(patchedId)).toMatchObject({ url: patched, webhook: webhookWith('a') });
    expect(await bothStore.timers.find(firedId)).toMatchObject({ status: 'fired', attempts: 1 });
  });

  it('reads a large table in windows of --batch rows, rewriting only the stale ones', async () => {
    const newStore = new Store(t.db, 10_000, { dataKeys: keys(NEW) });
    const oldStore = new Store(t.db, 10_000, { dataKeys: keys(OLD) });
    const now = new Date();
    const stale: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = newId();
      if (i === 3 || i === 17) stale.push(id);
      await (stale.includes(id) ? oldStore : newStore).timers.create({
        id,
        url: `${receiver.url}/w`,
        createdAt: now,
        fireAt: now,
      });
    }
    const progress: ReencryptCount[] = [];
    const counts = await new Reencryption(t.db, 10_000, keys(`${NEW},${OLD}`)).run({
      batchSize: 5,
      pauseMs: 0,
      clock: systemClock,
      onProgress: (c) => progress.push(c),
    });
    expect(counts[0]).toEqual({ table: 'timers', rewritten: 2, changedMeanwhile: 0, unreadable: 0 });
    expect(progress.map((p) => p.rewritten)).toEqual([1, 2]);
    for (const value of await storedValues(t)) {
      if (value !== null) expect(value.startsWith('$tk1$new$')).toBe(true);
    }
  });

  it('counts a value sealed with a key DATA_KEYS does not hold as unreadable and leaves it', async () => {
    const lostStore = new Store(t.db, 10_000, { dataKeys: keys(newDataKey('lost')) });
    const now = new Date();
    await lostStore.timers.create({ id: newId(), url: `${receiver.url}/x`, createdAt: now, fireAt: now });
    const counts = await new Reencryption(t.db, 10_000, keys(NEW)).run({
      batchSize: 10,
      pauseMs: 0,
      clock: systemClock,
    });
    expect(counts[0]).toEqual({ table: 'timers', rewritten: 0, changedMeanwhile: 0, unreadable: 1 });
  });
});

it('npm run keys -- reencrypt prints its progress and a final count', async () => {
  const t = await createTestDatabase('reencrypt_cli');
  try {
    const oldStore = new Store(t.db, 10_000, { dataKeys: keys(OLD) });
    const now = new Date();
    for (let i = 0; i < 5; i++) {
      await oldStore.timers.create({ id: newId(), url: 'http://127.0.0.1:9/x', createdAt: now, fireAt: now });
    }
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(__dirname, '..', 'timer-api', 'dist', 'keysCli.js'), 'reencrypt', '--batch', '2', '--pause-ms', '1'],
      { env: { PATH: process.env.PATH ?? '', DATABASE_URL: t.url, DATA_KEYS: `${NEW},${OLD}` } },
    );
    expect(stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'timers: 2 re-encrypted so far',
        'timers: 4 re-encrypted so far',
        'timers: 5 re-encrypted, 0 unreadable, 0 changed meanwhile',
        'Done: 5 rows re-encrypted with data key new; no row needs another key',
      ]),
    );
  } finally {
    await t.drop();
  }
});
