/**
 * The embedded mode encrypts with no setup: `npm start` with DATA_KEYS unset makes
 * a key file beside its SQLite file at the first start (mode 0600) and uses the
 * same key on the next, so what one run sealed the next one reads and delivers,
 * while the database file's bytes hold no secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';

let dir: string;
let receiver: Receiver;
const processes: ServiceProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'timers-key-file-'));
  receiver = await startReceiver();
});

afterEach(async () => {
  await killAll(processes.splice(0));
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

/** `npm start` in `dir` with DATABASE_URL and DATA_KEYS unset, until both services are up. */
async function startEmbedded() {
  const service = spawnService('standalone', { POLL_INTERVAL_MS: '100' }, { cwd: dir });
  processes.push(service);
  const listening = await service.waitForLog('API listening');
  await service.waitForLog('Controller started');
  return { service, base: `http://127.0.0.1:${listening.port as number}` };
}

async function stop(service: ServiceProcess) {
  service.kill('SIGTERM');
  expect(await service.exited).toMatchObject({ code: 0 });
}

async function call(base: string, method: string, route: string, body?: object) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

it('makes the key file once, mode 0600, and a second start reads and sends what the first sealed', async () => {
  const pathSecret = `PATHSECRET${randomBytes(8).toString('hex')}`;
  const payloadSecret = `PAYLOADSECRET${randomBytes(8).toString('hex')}`;
  const url = `${receiver.url}/${pathSecret}`;
  const keyFile = path.join(dir, 'data', 'timers.sqlite.data-key');

  const first = await startEmbedded();
  await first.service.waitForLog('Made a data key file', (l) => l.file === keyFile);
  const created = await call(first.base, 'POST', '/timers', { url, payload: { card: payloadSecret }, seconds: 3600 });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  await stop(first.service);
  expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  const key = await readFile(keyFile, 'utf8');
  expect(key).toMatch(/^local:[A-Za-z0-9+/]{43}=\n$/);

  const second = await startEmbedded();
  expect(second.service.logs.some((l) => l.message === 'Made a data key file')).toBe(false);
  expect(second.service.logs.filter((l) => l.level === 'warn')).toEqual([]);
  const shown = await call(second.base, 'GET', `/timers/${id}`);
  expect(shown.body).toMatchObject({ url, payload: { card: payloadSecret } });
  expect((await call(second.base, 'PATCH', `/timers/${id}`, { seconds: 0 })).status).toBe(200);
  const delivery = await waitFor('the webhook', () =>
    Promise.resolve(receiver.deliveries.find((d) => d.id === id) ?? null),
  );
  expect(delivery.path).toBe(`${new URL(receiver.url).pathname}/${pathSecret}/${id}`);
  expect(delivery.body).toEqual({ card: payloadSecret });
  await stop(second.service);

  expect(await readFile(keyFile, 'utf8')).toBe(key);
  const files = (await readdir(path.join(dir, 'data'))).filter((f) => f.startsWith('timers.sqlite'));
  expect(files).toContain('timers.sqlite');
  const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(path.join(dir, 'data', f))))).toString(
    'latin1',
  );
  expect(bytes).toContain(id); // the right file
  expect(bytes.includes(pathSecret)).toBe(false);
  expect(bytes.includes(payloadSecret)).toBe(false);
});
