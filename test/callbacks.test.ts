/**
 * Completion callbacks end to end, with real api and controller processes on
 * MariaDB: a timer whose receiver answers 404 sends exactly one failure notice, a
 * fired one exactly one success notice, each carrying the timer as GET shows it
 * and signed like any webhook; a replayed timer one more; a canceled one none;
 * and a controller SIGKILLed while the notice's request is open does not lose it.
 */
import { select } from '@timer/shared';
import { Webhook } from 'standardwebhooks';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Delivery, Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';

const SECRET = `whsec_${Buffer.from('callbacks-test-secret-0123456789').toString('base64')}`;

let t: TestDatabase;
let receiver: Receiver;
let base: string;
const processes: ServiceProcess[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  t = await createTestDatabase('callbacks');
  receiver = await startReceiver((d) => {
    if (d.path.startsWith('/hooks/fail/')) return 404;
    if (d.path === '/notices/hang' && receiver.deliveries.filter((x) => x.path === d.path).length === 1) return 'hang';
    return 200;
  });
  env = {
    DATABASE_URL: t.url,
    WEBHOOK_SECRET: SECRET,
    POLL_INTERVAL_MS: '100',
    // A killed controller's claims come back after this; a hanging request is cut before it.
    LEASE_MS: '4000',
    WEBHOOK_TIMEOUT_MS: '2000',
  };
  const api = spawnService('api', env);
  processes.push(api, spawnService('controller', env));
  base = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;
  await processes[1].waitForLog('Controller started');
});

afterAll(async () => {
  await killAll(processes);
  await receiver.close();
  await t.drop();
});

const root = () => receiver.url.replace(/\/hooks$/, '');
async function create(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/timers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}
const noticesAt = (path: string) => receiver.deliveries.filter((d) => d.path === path);
const bodyOf = (d: Delivery) =>
  d.body as { type: string; outcome: string; last_error: string | null; timer: { id: string; status: string } };

it('sends exactly one failure notice for a 404 and one success notice for a fired timer, signed, with the snapshot', async () => {
  const callbacks = { on_success: `${root()}/notices/ok`, on_failure: `${root()}/notices/failed` };
  const failing = await create({ url: `${root()}/hooks/fail`, callbacks });
  const firing = await create({ url: receiver.url, callbacks });

  await waitFor('both notices', async () => noticesAt('/notices/ok').length + noticesAt('/notices/failed').length >= 2);
  await new Promise((r) => setTimeout(r, 1000)); // nothing more comes

  const [failure, ...moreFailures] = noticesAt('/notices/failed');
  const [success, ...moreSuccesses] = noticesAt('/notices/ok');
  expect([moreFailures, moreSuccesses]).toEqual([[], []]);
  expect(bodyOf(failure)).toMatchObject({
    type: 'timer.failed',
    outcome: 'failed',
    timer: { id: failing, status: 'failed' },
  });
  expect(bodyOf(failure).last_error).toContain('404');
  expect(bodyOf(success)).toMatchObject({
    type: 'timer.succeeded',
    outcome: 'fired',
    timer: { id: firing, status: 'fired' },
  });
  for (const notice of [failure, success]) {
    expect(() => new Webhook(SECRET).verify(notice.rawBody, notice.headers as Record<string, string>)).not.toThrow();
  }

  // A replay sends one more at the end of its new series.
  const replay = await fetch(`${base}/timers/${failing}/retry`, { method: 'POST' });
  expect(replay.status).toBe(200);
  await waitFor('the replay’s notice', async () => noticesAt('/notices/failed').length === 2);
});

it('sends no notice for a canceled timer', async () => {
  const canceled = await create({
    seconds: 3600,
    url: receiver.url,
    callbacks: { on_failure: `${root()}/notices/canceled` },
  });
  expect((await fetch(`${base}/timers/${canceled}`, { method: 'DELETE' })).status).toBe(200);
  const [row] = await select<{ n: number }>(
    t.db,
    5000,
    "SELECT COUNT(*) AS n FROM timers WHERE url LIKE '%/notices/canceled'",
  );
  expect(Number(row.n)).toBe(0);
});

it('delivers a notice whose controller was SIGKILLed with its request open', async () => {
  const parent = await create({ url: receiver.url, callbacks: { on_success: `${root()}/notices/hang` } });
  await waitFor('the notice’s first request, left hanging', async () => noticesAt('/notices/hang').length === 1);

  processes[1].kill('SIGKILL');
  await processes[1].exited;
  processes[1] = spawnService('controller', env);
  await waitFor('the notice sent again and answered', async () => noticesAt('/notices/hang').length >= 2, {
    timeoutMs: 30_000,
  });

  await waitFor('the notice recorded fired', async () => {
    const [row] = await select<{ status: string }>(
      t.db,
      5000,
      "SELECT status FROM timers WHERE url LIKE '%/notices/hang'",
    );
    return row.status === 'fired';
  });
  expect(bodyOf(noticesAt('/notices/hang')[1]).timer.id).toBe(parent);
}, 60_000);
