/**
 * Change or cancel a timer until the moment it is sent, with real processes: an
 * api and a controller, separate, sharing INTERNAL_TOKEN. A PATCH moves a timer a
 * controller already holds, earlier or later, and the receiver sees only the new
 * version (Timer-Version, and an Idempotency-Key that carries it); a cancel 400
 * ms before the due time, while the controller holds the timer, wins; the
 * controller's endpoints that change behaviour refuse a call without the token;
 * and when the holder is killed, the answer is 503 (its request cannot have
 * started) or 409 (it may have), never a 200 that the old version breaks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { measureClockSkew, systemClock } from '@timer/shared';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService, TEST_INTERNAL_TOKEN } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';

let t: TestDatabase;
let receiver: Receiver;
let processes: ServiceProcess[] = [];
let apiUrl: string;
/** Database clock minus this host's clock. */
let skewMs: number;

const CONTROLLER_ENV = { POLL_INTERVAL_MS: '200', LOOKAHEAD_MS: '1000' };

beforeEach(async () => {
  t = await createTestDatabase('change_until_sent');
  receiver = await startReceiver();
  skewMs = await measureClockSkew(t.db, systemClock, 5000);
});

afterEach(async () => {
  await killAll(processes);
  processes = [];
  await receiver.close();
  await t.drop();
});

async function startApi(): Promise<void> {
  const api = spawnService('api', { DATABASE_URL: t.url, GIVE_BACK_TIMEOUT_MS: '3000', REQUEST_TIMEOUT_MS: '20000' });
  processes.push(api);
  apiUrl = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;
}

async function startController(env: Record<string, string> = {}): Promise<{ process: ServiceProcess; url: string }> {
  const controller = spawnService('controller', { DATABASE_URL: t.url, ...CONTROLLER_ENV, ...env });
  processes.push(controller);
  const port = (await controller.waitForLog('Controller health server listening')).port as number;
  await controller.waitForLog('Controller started');
  return { process: controller, url: `http://127.0.0.1:${port}` };
}

/** What the api answers, loosely: the fields a test reads. */
interface ApiBody {
  id: string;
  status: string;
  fire_at: string;
  error: { code: string; message: string };
  [field: string]: unknown;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as ApiBody };
}

async function statusOf(id: string): Promise<string> {
  return (await call('GET', `/timers/${id}`)).body.status;
}

/** Host time at which the database clock reads `dbMs`. */
const hostTimeOf = (dbMs: number) => dbMs - skewMs;
const sleepUntil = (hostMs: number) => new Promise((r) => setTimeout(r, Math.max(0, hostMs - Date.now())));

describe('a timer a controller holds ahead of its time', () => {
  it('moved later, elsewhere and with its own payload by PATCH: the receiver sees only the new version', async () => {
    await startApi();
    await startController();
    const created = await call('POST', '/timers', { seconds: 2, url: receiver.url });
    const { id } = created.body;
    await waitFor('the controller to hold it', async () => (await statusOf(id)) === 'firing', { intervalMs: 20 });

    // Taken before the PATCH: its new fire time is the api's now at the request plus 3 s, and a
    // busy machine may answer long after that now.
    const changedAt = Date.now();
    const changed = await call('PATCH', `/timers/${id}`, {
      seconds: 3,
      url: `${receiver.url}/v2`,
      payload: { order: 7, version: 2 },
      headers: { 'X-Order': '7' },
    });

    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('W/"2"');
    expect(changed.body).toMatchObject({ status: 'pending', version: 2, url: `${receiver.url}/v2` });
    await waitFor('the new version to fire', async () => (await statusOf(id)) === 'fired', { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 500));
    const deliveries = receiver.deliveries.filter((d) => d.id === id);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0].path).toBe(`/hooks/v2/${id}`);
    expect(deliveries[0].headers).toMatchObject({
      'timer-version': '2',
      'idempotency-key': `${id}.v2`,
      'x-order': '7',
      'content-type': 'application/json',
    });
    expect(deliveries[0].body).toEqual({ order: 7, version: 2 });
    expect(deliveries[0].arrivedAt).toBeGreaterThanOrEqual(changedAt + 2900);
  });

  it('moved earlier by PATCH: sent at the new time, as version 2', async () => {
    await startApi();
    await startController();
    const { id } = (await call('POST', '/timers', { minutes: 10, url: receiver.url })).body;

    const changed = await call('PATCH', `/timers/${id}`, { seconds: 1 });

    expect(changed.status).toBe(200);
    await waitFor('it to fire', async () => (await statusOf(id)) === 'fired', { timeoutMs: 15_000 });
    const [delivery] = receiver.deliveries.filter((d) => d.id === id);
    expect(delivery.headers).toMatchObject({ 'timer-version': '2', 'idempotency-key': `${id}.v2` });
  });

  it('canceled 400 ms before it is due: 200, and it is never sent', async () => {
    await startApi();
    await startController();
    const dbNow = Date.now() + skewMs;
    const timers: Array<{ id: string; dueMs: number }> = [];
    for (let i = 0; i < 10; i++) {
      const fireAt = new Date(dbNow + 3000 + i * 300);
      const { id } = (await call('POST', '/timers', { fire_at: fireAt.toISOString(), url: receiver.url })).body;
      timers.push({ id, dueMs: fireAt.getTime() });
    }

    const answers: number[] = [];
    for (const { id, dueMs } of timers) {
      await sleepUntil(hostTimeOf(dueMs - 400));
      answers.push((await call('DELETE', `/timers/${id}`)).status);
    }
    await sleepUntil(hostTimeOf(timers[timers.length - 1].dueMs + 2000));

    expect(answers).toEqual(timers.map(() => 200));
    expect(receiver.deliveries.filter((d) => timers.some((x) => x.id === d.id))).toEqual([]);
    // Held ahead of its time (LOOKAHEAD_MS is 1 s): each cancel was a give-back.
    const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
    const givenBack = Number(/timers_give_backs_total\{result="given_back"\} (\d+)/.exec(metrics)?.[1]);
    expect(givenBack).toBeGreaterThanOrEqual(timers.length - 1);
  });

  it('whose controller was killed: 503 while its request cannot have started, then 409; never 200', async () => {
    await startApi();
    const holder = await startController({ LOOKAHEAD_MS: '4000', LEASE_MS: '12000', CONTROLLER_ID: 'doomed' });
    const { id } = (await call('POST', '/timers', { seconds: 3, url: receiver.url })).body;
    const dueMs = Date.parse((await call('GET', `/timers/${id}`)).body.fire_at);
    await waitFor('the controller to hold it', async () => (await statusOf(id)) === 'firing', { intervalMs: 20 });
    holder.process.kill('SIGKILL');
    await holder.process.exited;

    const cancel = await call('DELETE', `/timers/${id}`);
    const change = await call('PATCH', `/timers/${id}`, { seconds: 30 });
    expect([cancel.status, change.status]).toEqual([503, 503]);
    expect(cancel.body.error.code).toBe('holder_unreachable');
    expect(Number(cancel.headers.get('retry-after'))).toBeLessThanOrEqual(12);
    expect((await call('GET', `/timers/${id}`)).body).toMatchObject({ status: 'firing', version: 1 });

    await sleepUntil(hostTimeOf(dueMs + 100));
    const late = await call('DELETE', `/timers/${id}`);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('timer_started');

    // The 409 told the truth: once the lease is over another controller sends the old version.
    await startController({ CONTROLLER_ID: 'heir' });
    await waitFor('the old version to be sent', async () => (await statusOf(id)) === 'fired', { timeoutMs: 30_000 });
    expect(receiver.deliveries.filter((d) => d.id === id).map((d) => d.headers['timer-version'])).toEqual(['1']);
  }, 60_000);
});

describe('npm start (embedded, SQLite, no token)', () => {
  it('asks its own controller in-process: a cancel 400 ms before due wins, a PATCH moves a held timer', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'timer-embedded-'));
    try {
      const service = spawnService('standalone', {
        SQLITE_PATH: path.join(dir, 'timers.sqlite'),
        INTERNAL_TOKEN: '',
        ...CONTROLLER_ENV,
      });
      processes.push(service);
      apiUrl = `http://127.0.0.1:${(await service.waitForLog('API listening')).port as number}`;
      await service.waitForLog('Controller started');
      const canceled = (await call('POST', '/timers', { seconds: 2, url: receiver.url })).body;
      const moved = (await call('POST', '/timers', { seconds: 2, url: receiver.url })).body;
      const dueMs = Date.parse(canceled.fire_at);

      await sleepUntil(dueMs - 400);
      const cancel = await call('DELETE', `/timers/${canceled.id}`);
      const change = await call('PATCH', `/timers/${moved.id}`, { seconds: 1 });
      expect([cancel.status, change.status]).toEqual([200, 200]);
      await waitFor('the moved timer to fire', async () => (await statusOf(moved.id)) === 'fired', {
        timeoutMs: 10_000,
      });

      expect(receiver.deliveries.map((d) => [d.id, d.headers['timer-version']])).toEqual([[moved.id, '2']]);
      const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
      expect(Number(/timers_give_backs_total\{result="given_back"\} (\d+)/.exec(metrics)?.[1])).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the controller's endpoints", () => {
  it('refuse /nudge and the give-back without the internal token (401), and do them with it', async () => {
    const { url } = await startController();
    const post = (path: string, headers: Record<string, string> = {}, body?: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body ?? {}),
      });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const giveBack = '/timers/01900000-0000-7000-8000-000000000000/give-back';

    expect((await post('/nudge')).status).toBe(401);
    expect((await post('/nudge', bearer('not-the-token-0123456789'))).status).toBe(401);
    expect((await post(giveBack, {}, { lease_token: 1 })).status).toBe(401);
    expect((await post('/nudge', bearer(TEST_INTERNAL_TOKEN))).status).toBe(202);
    const answered = await post(giveBack, bearer(TEST_INTERNAL_TOKEN), { lease_token: 1 });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ outcome: 'not_held' });
    expect((await post(giveBack, bearer(TEST_INTERNAL_TOKEN), { lease_token: 'x' })).status).toBe(400);

    // Health and metrics stay open; the advertised address reaches this controller.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^timers_controller_advertised_reachable 1$/m);
  });

  it('are not ready while the advertised address reaches someone else', async () => {
    const { url } = await startController({ CONTROLLER_ADVERTISE_URL: receiver.url.replace(/\/hooks$/, '') });

    const ready = await fetch(`${url}/readyz`);

    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { message: string } }).error.message).toMatch(
      /does not reach this controller/,
    );
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^timers_controller_advertised_reachable 0$/m);
  });

  it('need a token to exist: a controller or api process without INTERNAL_TOKEN does not start', async () => {
    for (const kind of ['controller', 'api'] as const) {
      const service = spawnService(kind, { DATABASE_URL: t.url, INTERNAL_TOKEN: '' });
      processes.push(service);
      expect((await service.exited).code).toBe(1);
      expect(service.stderr.join('')).toMatch(/INTERNAL_TOKEN is required/);
    }
  });
});
