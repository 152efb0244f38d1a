/**
 * The database connection cut for several seconds, between real api and
 * controller processes and MariaDB (a TCP proxy in the middle): the api answers
 * 503 quickly, /readyz says 503, both processes stay up, and once the connection
 * is back everything that came due in the meantime fires. Nothing is lost.
 */
import { createTestDatabase, serverPort, TestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { startTcpProxy, TcpProxy } from '../../test/helpers/proxy';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { statusCounts } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

let t: TestDatabase;
let proxy: TcpProxy;
let receiver: Receiver;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('outage');
  proxy = await startTcpProxy(serverPort());
  receiver = await startReceiver();
});

afterAll(async () => {
  await killAll(processes);
  await proxy.close();
  await receiver.close();
  await t.drop();
});

function portOf(service: ServiceProcess, message: string): Promise<number> {
  return service.waitForLog(message).then((line) => line.port as number);
}

async function timed(request: () => Promise<Response>): Promise<{ status: number; ms: number; res: Response }> {
  const started = Date.now();
  const res = await request();
  return { status: res.status, ms: Date.now() - started, res };
}

it('survives the database going away: fast 503s, no restart, nothing lost', async () => {
  const env = { DATABASE_URL: t.urlVia(proxy.port), POLL_INTERVAL_MS: '100', DB_RETRY_MAX_MS: '1000' };
  const api = spawnService('api', env);
  const controller = spawnService('controller', env);
  processes.push(api, controller);
  const apiUrl = `http://127.0.0.1:${await portOf(api, 'API listening')}`;
  const controllerUrl = `http://127.0.0.1:${await portOf(controller, 'Controller health server listening')}`;
  await controller.waitForLog('Controller started');

  const create = (seconds: number) =>
    fetch(`${apiUrl}/timers`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ seconds, url: receiver.url }),
    });

  // Timers that come due while the database is away.
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await create(2);
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { id: string }).id);
  }

  proxy.cut();
  const outageStarted = Date.now();

  for (const request of [() => create(1), () => fetch(`${apiUrl}/timers/${ids[0]}`), () => fetch(`${apiUrl}/timers`)]) {
    const { status, ms, res } = await timed(request);
    expect(status).toBe(503);
    expect(ms).toBeLessThan(1500);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ error: { code: 'service_unavailable' } });
  }
  expect((await fetch(`${apiUrl}/readyz`)).status).toBe(503);
  expect((await fetch(`${controllerUrl}/readyz`)).status).toBe(503);
  expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`${controllerUrl}/healthz`)).status).toBe(200);
  await controller.waitForLog('Database unavailable, backing off');

  // Keep it down until the timers are well past due.
  await waitFor('the outage to last 5 s', () => Date.now() - outageStarted >= 5000, { timeoutMs: 10_000 });
  // Timers claimed ahead before the cut hold live leases and may be delivered during it (their
  // outcomes are recorded once the database is back); the others wait for it.
  proxy.restore();

  await waitFor(
    'every timer to fire after the connection is back',
    async () => (await statusCounts(t.db)).fired === 20,
    {
      timeoutMs: 30_000,
    },
  );
  expect(new Set(receiver.deliveries.map((d) => d.id))).toEqual(new Set(ids));
  expect(receiver.deliveries).toHaveLength(20);

  await waitFor('the api to accept timers again', async () => (await create(0)).status === 201);
  expect((await fetch(`${apiUrl}/readyz`)).status).toBe(200);
  expect((await fetch(`${controllerUrl}/readyz`)).status).toBe(200);
  expect(api.child.exitCode).toBeNull();
  expect(controller.child.exitCode).toBeNull();
  await controller.waitForLog('Database reachable again');

  // The outage is visible to monitoring on both services.
  const controllerMetrics = await (await fetch(`${controllerUrl}/metrics`)).text();
  expect(controllerMetrics).toMatch(/^timers_db_errors_total\{operation="claim"\} [1-9]/m);
  const apiMetrics = await (await fetch(`${apiUrl}/metrics`)).text();
  expect(apiMetrics).toMatch(/^timers_db_errors_total\{operation="api"\} [1-9]/m);
});
