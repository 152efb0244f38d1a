/**
 * The bulk actions, POST /timers/retry and POST /timers/cancel: up to 100 ids or
 * a label, a result per timer, each under the contract of the single-timer call,
 * and only within the caller's tenant: another tenant's timer is not_found and
 * its row is untouched, whether named by id or matched by label.
 */
import { loadConfig, Scope } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { makeApiKey } from '../src/domain/keyMaking';
import { expectError, HOOK_URL, RunningApi, startApp, timerRow } from './support';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

let t: TestDatabase;
let api: RunningApi;
const keys = {} as Record<'acme' | 'globex', Record<'read' | 'write', string>>;

async function addKey(tenant: string, scope: Scope): Promise<string> {
  const made = makeApiKey();
  await t.store.tenants.addKey({ id: made.id, digest: made.digest, tenant, scope });
  return made.key;
}

const as = (key: string) => ({ Authorization: `Bearer ${key}` });

beforeAll(async () => {
  t = await createTestDatabase('api_bulk_actions');
  for (const tenant of ['acme', 'globex'] as const) {
    keys[tenant] = { read: await addKey(tenant, 'read'), write: await addKey(tenant, 'write') };
  }
  api = await startApp(loadConfig({ DATABASE_URL: t.url, ADMIN_API_KEYS: 'admin-key-0123456789abcdef' }), t.store, {
    nudger: { nudge: () => undefined },
  });
});

afterAll(async () => {
  await api?.close();
  await t?.drop();
});

/** A timer of `tenant` in `status` (failed and fired are set on its row, as a controller would leave it). */
async function timerOf(
  tenant: 'acme' | 'globex',
  status: 'pending' | 'failed' | 'fired',
  labels: Record<string, string> = {},
): Promise<string> {
  const res = await api.http().post('/timers').set(as(keys[tenant].write)).send({ minutes: 30, url: HOOK_URL, labels });
  expect(res.status).toBe(201);
  if (status !== 'pending') {
    await t.db.raw("UPDATE timers SET status = ?, due_at = NULL, attempts = 1, last_error = 'HTTP 410' WHERE id = ?", [
      status,
      res.body.id,
    ]);
    // As the controller's outcome writes do: the label rows carry the final status.
    await t.db.raw('UPDATE timer_labels SET outcome = ? WHERE timer_id = ?', [status, res.body.id]);
  }
  return res.body.id as string;
}

const post = (path: string, tenant: 'acme' | 'globex', body: object) =>
  api.http().post(path).set(as(keys[tenant].write)).send(body);

it('replays the failed timers of a selection, and says why each other one was not', async () => {
  const failed = [await timerOf('acme', 'failed'), await timerOf('acme', 'failed')];
  const pending = await timerOf('acme', 'pending');
  const foreign = await timerOf('globex', 'failed');

  const res = await post('/timers/retry', 'acme', { ids: [...failed, pending, foreign, UNKNOWN_ID, failed[0]] });

  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    results: [
      { id: failed[0], outcome: 'replayed', status: 'pending', version: 2 },
      { id: failed[1], outcome: 'replayed', status: 'pending', version: 2 },
      { id: pending, outcome: 'not_retryable' },
      { id: foreign, outcome: 'not_found' },
      { id: UNKNOWN_ID, outcome: 'not_found' },
    ],
    more: false,
  });
  for (const id of failed) expect(await timerRow(t.db, id)).toMatchObject({ status: 'pending', attempts: 0 });
  expect(await timerRow(t.db, foreign)).toMatchObject({ status: 'failed', attempts: 1 });
  // Repeating the call replays nothing twice.
  const again = await post('/timers/retry', 'acme', { ids: failed });
  expect(again.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['not_retryable', 'not_retryable']);
});

it('cancels the pending timers of a selection, never another tenant’s', async () => {
  const pending = [await timerOf('acme', 'pending'), await timerOf('acme', 'pending')];
  const fired = await timerOf('acme', 'fired');
  const foreign = await timerOf('globex', 'pending');

  const res = await post('/timers/cancel', 'acme', { ids: [...pending, fired, foreign, 'not-an-id'] });

  expect(res.status).toBe(200);
  expect(res.body.results).toEqual([
    { id: pending[0], outcome: 'canceled', status: 'canceled', version: 2 },
    { id: pending[1], outcome: 'canceled', status: 'canceled', version: 2 },
    { id: fired, outcome: 'not_cancelable' },
    { id: foreign, outcome: 'not_found' },
    { id: 'not-an-id', outcome: 'not_found' },
  ]);
  for (const id of pending) expect(await timerRow(t.db, id)).toMatchObject({ status: 'canceled', due_at: null });
  expect(await timerRow(t.db, foreign)).toMatchObject({ status: 'pending' });
});

it('cancels by label through the path of DELETE /timers?label=, in the caller’s tenant only', async () => {
  const mine = [await timerOf('acme', 'pending', { batch: 'b7' }), await timerOf('acme', 'pending', { batch: 'b7' })];
  const firedMine = await timerOf('acme', 'fired', { batch: 'b7' });
  const theirs = await timerOf('globex', 'pending', { batch: 'b7' });

  const res = await post('/timers/cancel', 'acme', { label: 'batch:b7' });

  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    results: mine.map((id) => ({ id, outcome: 'canceled', status: 'canceled' })),
    more: false,
  });
  expect(await timerRow(t.db, firedMine)).toMatchObject({ status: 'fired' });
  expect(await timerRow(t.db, theirs)).toMatchObject({ status: 'pending' });
  expect((await post('/timers/cancel', 'acme', { label: 'batch:b7' })).body).toEqual({ results: [], more: false });
});

it('replays by label the failed timers carrying it, up to 100 a call, in the caller’s tenant only', async () => {
  const mine = [];
  for (let i = 0; i < 3; i++) mine.push(await timerOf('acme', 'failed', { wave: 'w1' }));
  const pendingMine = await timerOf('acme', 'pending', { wave: 'w1' });
  const theirs = await timerOf('globex', 'failed', { wave: 'w1' });

  const res = await post('/timers/retry', 'acme', { label: ['wave:w1'] });

  expect(res.status).toBe(200);
  expect(res.body.more).toBe(false);
  expect(res.body.results.map((r: { id: string }) => r.id).sort()).toEqual([...mine].sort());
  expect(new Set(res.body.results.map((r: { outcome: string }) => r.outcome))).toEqual(new Set(['replayed']));
  expect(await timerRow(t.db, pendingMine)).toMatchObject({ status: 'pending', attempts: 0 });
  expect(await timerRow(t.db, theirs)).toMatchObject({ status: 'failed' });
});

it('says more when over 100 timers match a label, and acts on 100 of them', async () => {
  const timers = Array.from({ length: 103 }, () => ({ minutes: 30, url: HOOK_URL, labels: { many: 'm' } }));
  const batch = await api.http().post('/timers/batch').set(as(keys.acme.write)).send({ timers });
  expect(batch.status).toBe(201);

  const first = await post('/timers/cancel', 'acme', { label: 'many:m' });
  const second = await post('/timers/cancel', 'acme', { label: 'many:m' });

  expect([first.body.results.length, first.body.more]).toEqual([100, true]);
  expect([second.body.results.length, second.body.more]).toEqual([3, false]);
});

it.each([
  ['neither ids nor label', {}],
  ['both', { ids: [UNKNOWN_ID], label: 'a:b' }],
  ['101 ids', { ids: Array.from({ length: 101 }, () => UNKNOWN_ID) }],
  ['no ids', { ids: [] }],
  ['a label that is not name:value', { label: 'nocolon' }],
  ['an unknown field', { ids: [UNKNOWN_ID], force: true }],
])('refuses %s', async (_what, body) => {
  expectError(await post('/timers/retry', 'acme', body), 400, 'validation_failed');
  expectError(await post('/timers/cancel', 'acme', body), 400, 'validation_failed');
});

it('needs a write key', async () => {
  const id = await timerOf('acme', 'pending');
  const res = await api
    .http()
    .post('/timers/cancel')
    .set(as(keys.acme.read))
    .send({ ids: [id] });
  expectError(res, 403, 'insufficient_scope');
  expect(await timerRow(t.db, id)).toMatchObject({ status: 'pending' });
  expectError(await api.http().get('/timers/cancel').set(as(keys.acme.read)), 405, 'method_not_allowed');
});
