/**
 * The embedded mode end to end: `node bin/standalone.js` (what `npm start` runs)
 * with DATABASE_URL unset keeps its timers in a SQLite file and fires them; a
 * SIGKILL mid-run loses nothing once it is started again; a second process on the
 * same file, or a service started alone on SQLite, is refused with a message
 * that says why.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb, loadConfig, select } from '@timer/shared';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';

interface TimerView {
  id: string;
  status: string;
  fired_at: string | null;
  attempts: number;
}

let dir: string;
let receiver: Receiver;
const processes: ServiceProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'timers-standalone-'));
  receiver = await startReceiver();
});

afterEach(async () => {
  await killAll(processes.splice(0));
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

/** `npm start` in `cwd`: both services, one process, DATABASE_URL unset. */
async function startStandalone(env: Record<string, string> = {}, cwd = dir) {
  const service = spawnService('standalone', { POLL_INTERVAL_MS: '100', ...env }, { cwd });
  processes.push(service);
  const listening = await service.waitForLog('API listening');
  await service.waitForLog('Controller started');
  const base = `http://127.0.0.1:${listening.port as number}`;
  return { service, base };
}

async function createTimer(base: string, body: Record<string, unknown>): Promise<TimerView> {
  const res = await fetch(`${base}/timers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as TimerView;
}

async function getTimer(base: string, id: string): Promise<TimerView> {
  return (await (await fetch(`${base}/timers/${id}`)).json()) as TimerView;
}

/** The rows of a file no process holds any more. */
async function statusesIn(file: string): Promise<Map<string, { status: string; attempts: number }>> {
  const db = createDb(loadConfig({ SQLITE_PATH: file }, { standalone: true }));
  try {
    const rows = await select<{ id: string; status: string; attempts: number }>(
      db,
      5000,
      'SELECT id, status, attempts FROM timers',
    );
    return new Map(rows.map((r) => [r.id, { status: r.status, attempts: r.attempts }]));
  } finally {
    await db.destroy();
  }
}

it('without DATABASE_URL, keeps timers in ./data/timers.sqlite, serves /docs, and fires a timer', async () => {
  const { service, base } = await startStandalone();
  const using = await service.waitForLog('Using SQLite database');
  expect(using).toMatchObject({ file: path.join(dir, 'data', 'timers.sqlite'), journalMode: 'wal' });

  const docs = await fetch(`${base}/docs/`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toMatch(/swagger-ui/i);

  const created = await createTimer(base, { seconds: 1, url: receiver.url });
  expect(created.status).toBe('pending');

  await waitFor('the webhook', () => receiver.deliveries.find((d) => d.id === created.id));
  const fired = await waitFor('status fired', async () => {
    const timer = await getTimer(base, created.id);
    return timer.status === 'fired' ? timer : null;
  });
  expect(fired).toMatchObject({ id: created.id, attempts: 1 });
  expect(Date.parse(fired.fired_at!)).not.toBeNaN();
  expect(receiver.deliveries.filter((d) => d.id === created.id)).toHaveLength(1);
});

it('loses nothing to a SIGKILL mid-run: after a restart every accepted timer fires, held ones after their lease', async () => {
  // A request time limit longer than the run before the kill: no hung request times out (and is retried) first.
  const LEASE_MS = 9000;
  const file = path.join(dir, 'timers.sqlite');
  const env = { SQLITE_PATH: file, LEASE_MS: String(LEASE_MS), WEBHOOK_TIMEOUT_MS: '8000' };
  // Before the kill the receiver never answers: what the first process sends, it is still sending when it dies.
  receiver.respond = () => 'hang';
  const first = await startStandalone(env);

  const accepted: string[] = [];
  let killedAt = 0;
  const client = async (worker: number) => {
    for (let i = 0; killedAt === 0; i++) {
      try {
        const timer = await createTimer(first.base, { seconds: (worker + i) % 3, url: receiver.url });
        accepted.push(timer.id);
      } catch {
        return; // the process is gone
      }
    }
  };
  const clients = Array.from({ length: 8 }, (_, w) => client(w));
  await waitFor(
    'timers accepted and some being sent',
    () => accepted.length >= 150 && receiver.deliveries.length >= 20,
  );
  first.service.kill('SIGKILL');
  killedAt = Date.now();
  expect((await first.service.exited).signal).toBe('SIGKILL');
  await Promise.all(clients);
  const sentBeforeKill = new Set(receiver.deliveries.map((d) => d.id));

  const answered = new Map<string, number>();
  receiver.respond = (delivery) => {
    answered.set(delivery.id, (answered.get(delivery.id) ?? 0) + 1);
    return 200;
  };
  // Requests the dead process had already written may still be arriving: counted from here on.
  const restartAt = Date.now();
  const second = await startStandalone(env);
  await waitFor('every accepted timer answered', () => accepted.every((id) => answered.has(id)), {
    timeoutMs: 40_000,
  });
  await waitFor('every accepted timer recorded fired', async () => {
    const timers = await Promise.all(accepted.map((id) => getTimer(second.base, id)));
    return timers.every((t) => t.status === 'fired');
  });

  // Each delivered once by the survivor: a timer recorded fired is never sent again.
  expect([...answered.values()].every((n) => n === 1)).toBe(true);
  // What the dead process was sending waited for its lease before it was sent again.
  const resent = receiver.deliveries.filter((d) => d.arrivedAt >= restartAt && sentBeforeKill.has(d.id));
  expect(resent.length).toBe(sentBeforeKill.size);
  // Each one no sooner than its lease allowed: the lease ran from its due time, and the first
  // (hung) request left at about that time, so not before first arrival + LEASE_MS (less slack).
  const firstArrival = new Map<string, number>();
  for (const d of receiver.deliveries) if (!firstArrival.has(d.id)) firstArrival.set(d.id, d.arrivedAt);
  for (const d of resent) expect(d.arrivedAt - firstArrival.get(d.id)!).toBeGreaterThanOrEqual(LEASE_MS - 1000);

  second.service.kill('SIGTERM');
  expect((await second.service.exited).code).toBe(0);
  const rows = await statusesIn(file);
  for (const id of accepted) expect(rows.get(id)?.status).toBe('fired');
  // Rows committed while their 201 was cut off by the kill are timers too: none is left behind.
  expect([...rows.values()].every((r) => r.status === 'fired')).toBe(true);
  for (const id of sentBeforeKill) expect(rows.get(id)?.attempts).toBe(2);
});

it('loses no answered create to a SIGKILL amid a flood of them: group commit answers after its fsync', async () => {
  const file = path.join(dir, 'timers.sqlite');
  const first = await startStandalone({ SQLITE_PATH: file });

  // 64 clients at once, so creates share commits; every fourth with an Idempotency-Key of its own.
  const accepted: string[] = [];
  const keyed = new Map<string, string>();
  let killed = false;
  const client = async (worker: number) => {
    for (let i = 0; !killed; i++) {
      const key = i % 4 === 0 ? `flood-${worker}-${i}` : undefined;
      try {
        const res = await fetch(`${first.base}/timers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
          body: JSON.stringify({ minutes: 30, url: receiver.url }),
        });
        if (res.status !== 201) continue;
        const { id } = (await res.json()) as TimerView;
        accepted.push(id);
        if (key) keyed.set(key, id);
      } catch {
        return; // the process is gone
      }
    }
  };
  const clients = Array.from({ length: 64 }, (_, w) => client(w));
  await waitFor('creates answered', () => accepted.length >= 1500 && keyed.size >= 200, { timeoutMs: 60_000 });
  first.service.kill('SIGKILL');
  killed = true;
  expect((await first.service.exited).signal).toBe('SIGKILL');
  await Promise.all(clients);

  const rows = await statusesIn(file);
  const lost = accepted.filter((id) => !rows.has(id));
  expect(lost).toEqual([]);
  const db = createDb(loadConfig({ SQLITE_PATH: file }, { standalone: true }));
  try {
    const keys = await select<{ idem_key: string; timer_id: string }>(
      db,
      5000,
      'SELECT idem_key, timer_id FROM idempotency_keys',
    );
    const stored = new Map(keys.map((k) => [k.idem_key, k.timer_id]));
    for (const [key, id] of keyed) expect(stored.get(key)).toBe(id);
  } finally {
    await db.destroy();
  }
});

it('refuses a second process on the same file with a clear message, and the first carries on', async () => {
  const env = { SQLITE_PATH: path.join(dir, 'timers.sqlite') };
  const { base } = await startStandalone(env);

  const second = spawnService('standalone', env);
  processes.push(second);
  const { code } = await second.exited;

  expect(code).toBe(1);
  expect(second.stderr.join('')).toMatch(/timers\.sqlite is in use by another process/);
  expect(second.stderr.join('')).toMatch(/npm start/);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  expect((await createTimer(base, { seconds: 60, url: receiver.url })).status).toBe('pending');
});

it.each(['api', 'controller'] as const)(
  'refuses to run the %s alone on SQLite: the SQLite mode is one process',
  async (kind) => {
    const alone = spawnService(kind, { SQLITE_PATH: path.join(dir, 'timers.sqlite') });
    processes.push(alone);
    const { code } = await alone.exited;

    expect(code).toBe(1);
    expect(alone.stderr.join('')).toMatch(/SQLITE_PATH selects SQLite .* one process: .*npm start/);
  },
);
