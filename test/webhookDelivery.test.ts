/**
 * What a timer sends arrives exactly as asked, end to end through real processes:
 * on MariaDB (api and controller apart) and on SQLite (`npm start`, one process).
 * Raw bytes compared, headers, method, the URL as given, the signature verified
 * with the independent `standardwebhooks` package; a schedule's occurrences each
 * deliver its payload.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Delivery, Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const FAST = { POLL_INTERVAL_MS: '100', WEBHOOK_SECRET: SECRET };

interface Setup {
  base: string;
  close(): Promise<void>;
}

async function onMariaDb(): Promise<Setup> {
  const t: TestDatabase = await createTestDatabase('webhook_delivery');
  const env = { ...FAST, DATABASE_URL: t.url };
  const processes: ServiceProcess[] = [spawnService('api', env), spawnService('controller', env)];
  const listening = await processes[0].waitForLog('API listening');
  await processes[1].waitForLog('Controller started');
  return {
    base: `http://127.0.0.1:${listening.port as number}`,
    close: async () => {
      await killAll(processes);
      await t.drop();
    },
  };
}

async function onSqlite(): Promise<Setup> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'timers-webhook-'));
  const service = spawnService('standalone', { ...FAST, SQLITE_PATH: path.join(dir, 'timers.sqlite') });
  const listening = await service.waitForLog('API listening');
  await service.waitForLog('Controller started');
  return {
    base: `http://127.0.0.1:${listening.port as number}`,
    close: async () => {
      await killAll([service]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe.each([
  ['MariaDB', onMariaDb],
  ['SQLite', onSqlite],
])('a timer with its own request, on %s', (_name, start) => {
  let setup: Setup;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    setup = await start();
  }, 60_000);

  afterAll(async () => {
    await setup?.close();
    await receiver?.close();
  });

  async function post(route: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await fetch(`${setup.base}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as Record<string, unknown>;
    expect({ status: res.status, answer }).toMatchObject({ status: 201 });
    return answer;
  }

  /** Deliveries are matched on Timer-Id: with append_id false the path does not carry the id. */
  async function deliveriesOf(id: string, count = 1): Promise<Delivery[]> {
    const mine = () => receiver.deliveries.filter((d) => d.headers['timer-id'] === id);
    await waitFor(`${count} deliveries of ${id}`, () => mine().length >= count, { timeoutMs: 20_000 });
    return mine();
  }

  function verified(delivery: Delivery): unknown {
    const headers = Object.fromEntries(Object.entries(delivery.headers).map(([k, v]) => [k, String(v)]));
    return new Webhook(SECRET).verify(delivery.rawBytes.toString('utf8'), headers);
  }

  /** The package's verify() parses the body as JSON: for any other body, its sign() must give the same signature. */
  function signatureMatches(delivery: Delivery): boolean {
    const at = new Date(Number(delivery.headers['webhook-timestamp']) * 1000);
    const expected = new Webhook(SECRET).sign(
      String(delivery.headers['webhook-id']),
      at,
      delivery.rawBytes.toString('utf8'),
    );
    return delivery.headers['webhook-signature'] === expected;
  }

  it('sends a JSON payload with its headers and method to {url}/{id}, signed over the bytes sent', async () => {
    const payload = { order: 7, note: 'café ✓ "quoted"', list: [1, 2.5, null, true], nested: { deep: {} } };
    const timer = await post('/timers', {
      url: `${receiver.url}/orders?tenant=7`,
      payload,
      headers: { Authorization: 'Bearer rk_test_123', 'X-Tenant': '7' },
      method: 'PUT',
    });
    const id = timer.id as string;

    const [delivery] = await deliveriesOf(id);
    expect(delivery.method).toBe('PUT');
    expect(delivery.path).toBe(`/hooks/orders/${id}`);
    expect(delivery.search).toBe('?tenant=7');
    expect(delivery.rawBytes.equals(Buffer.from(JSON.stringify(payload), 'utf8'))).toBe(true);
    expect(delivery.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(JSON.stringify(payload))),
      authorization: 'Bearer rk_test_123',
      'x-tenant': '7',
      'idempotency-key': id,
      'timer-id': id,
      'user-agent': 'timer-service',
    });
    expect(verified(delivery)).toEqual(payload);
  });

  it('sends a form body with PATCH to the URL exactly as given', async () => {
    const body = 'order=7&note=caf%C3%A9&raw=é';
    const timer = await post('/timers', {
      url: `${receiver.url}/v1/orders/7/remind?src=timer`,
      body,
      content_type: 'application/x-www-form-urlencoded',
      method: 'PATCH',
      append_id: false,
    });
    const id = timer.id as string;

    const [delivery] = await deliveriesOf(id);
    expect(delivery.method).toBe('PATCH');
    expect(delivery.path).toBe('/hooks/v1/orders/7/remind');
    expect(delivery.search).toBe('?src=timer');
    expect(delivery.rawBytes.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(delivery.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(delivery.headers['timer-id']).toBe(id);
    expect(signatureMatches(delivery)).toBe(true);

    const read = async () => (await (await fetch(`${setup.base}/timers/${id}`)).json()) as Record<string, unknown>;
    await waitFor('the timer recorded fired', async () => (await read()).status === 'fired');
    expect(await read()).toMatchObject({ status: 'fired', body, method: 'PATCH', append_id: false, headers: [] });
  });

  it('a schedule with a payload: each occurrence delivers it', async () => {
    const payload = { report: 'hourly', n: 1 };
    const schedule = await post('/schedules', {
      cron: '*/1 * * * * *',
      url: receiver.url,
      payload,
      headers: { 'X-Schedule': 'yes' },
    });
    const mine = () => receiver.deliveries.filter((d) => d.headers['x-schedule'] === 'yes');
    await waitFor('three occurrences delivered', () => mine().length >= 3, { timeoutMs: 20_000 });
    await fetch(`${setup.base}/schedules/${schedule.id as string}/pause`, { method: 'POST' });

    const ids = new Set(mine().map((d) => d.headers['timer-id']));
    expect(ids.size).toBe(mine().length);
    for (const delivery of mine()) {
      expect(delivery.rawBytes.toString('utf8')).toBe(JSON.stringify(payload));
      expect(verified(delivery)).toEqual(payload);
    }
  });
});
