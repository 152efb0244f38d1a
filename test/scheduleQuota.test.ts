/**
 * Schedules count toward a tenant's pending cap (MAX_PENDING_PER_KEY) on the
 * controllers' side too: a tenant's key (KEY_A, of `default`) that created every-second schedules while it had room, then filled its cap with
 * timers, never has more pending timers than the cap (give or take what
 * concurrent writers can overshoot); the occurrences that would pass it are
 * recorded `skipped`, with the reason, and never sent. Another tenant's
 * schedule (KEY_B, of `other`) goes on untouched. (Before, such a key reached 100 pending and 120 deliveries
 * within 6 s under a cap of 10.)
 */
import { createHash } from 'node:crypto';
import { select } from '@timer/shared';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';

const KEY_A = 'key-a-0123456789abcdefgh';
const KEY_B = 'key-b-0123456789abcdefgh';
const CAP = 10;

let t: TestDatabase;
let receiver: Receiver;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('schedule_quota');
  const digest = createHash('sha256').update(KEY_B).digest('hex');
  await t.store.tenants.addKey({ id: `key_${digest.slice(0, 16)}`, digest, tenant: 'other', scope: 'write' });
  receiver = await startReceiver();
});

afterAll(async () => {
  await killAll(processes);
  await receiver.close();
  await t.drop();
});

async function post(base: string, key: string, path: string, body: unknown): Promise<{ status: number; id: string }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { id: string };
  return { status: res.status, id: json.id };
}

it('a key at its cap gets its occurrences recorded skipped, never sent, and never passes the cap', async () => {
  const env = {
    DATABASE_URL: t.url,
    API_KEYS: KEY_A,
    MAX_PENDING_PER_KEY: String(CAP),
    POLL_INTERVAL_MS: '200',
    LOOKAHEAD_MS: '500',
    SCHEDULE_POLL_INTERVAL_MS: '500',
    SCHEDULE_LOOKAHEAD_MS: '3000',
  };
  const api = spawnService('api', env);
  processes.push(api);
  const base = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;

  // Key A: schedules while it has room, then timers up to its cap. The controller
  // starts after, so that its occurrences cannot fill the cap between two creates.
  const url = receiver.url;
  const schedulesOfA: string[] = [];
  for (let i = 0; i < 5; i++) {
    const created = await post(base, KEY_A, '/schedules', { cron: '* * * * * *', url });
    expect(created.status).toBe(201);
    schedulesOfA.push(created.id);
  }
  const ofB = await post(base, KEY_B, '/schedules', { cron: '* * * * * *', url });
  expect(ofB.status).toBe(201);
  let timersOfA = 0;
  while ((await post(base, KEY_A, '/timers', { seconds: 3600, url })).status === 201) timersOfA += 1;
  expect(timersOfA).toBeGreaterThan(0);
  const controller = spawnService('controller', env);
  processes.push(controller);
  await controller.waitForLog('Controller started');

  const pendingOfA = async () => {
    const [row] = await select<{ n: number }>(
      t.db,
      5000,
      "SELECT COUNT(*) AS n FROM timers WHERE tenant = (SELECT tenant FROM schedules WHERE id = ?) AND status IN ('pending', 'firing')",
      [schedulesOfA[0]],
    );
    return Number(row.n);
  };
  let most = 0;
  const until = Date.now() + 6000;
  while (Date.now() < until) {
    most = Math.max(most, await pendingOfA());
    await new Promise((r) => setTimeout(r, 100));
  }

  expect(most).toBeLessThanOrEqual(CAP);
  const skipped = await select<{ id: string; last_error: string }>(
    t.db,
    5000,
    `SELECT id, last_error FROM timers WHERE status = 'skipped' AND schedule_id IN (${schedulesOfA.map(() => '?').join(',')})`,
    schedulesOfA,
  );
  expect(skipped.length).toBeGreaterThan(10);
  for (const row of skipped) expect(row.last_error).toContain('MAX_PENDING_PER_KEY');
  const delivered = new Set(receiver.deliveries.map((d) => d.id));
  expect(skipped.filter((s) => delivered.has(s.id))).toEqual([]);
  // The other tenant's schedule is not held back by this one's cap.
  await waitFor('key B to get occurrences delivered', async () => {
    const [row] = await select<{ n: number }>(
      t.db,
      5000,
      "SELECT COUNT(*) AS n FROM timers WHERE schedule_id = ? AND status = 'fired'",
      [ofB.id],
    );
    return Number(row.n) >= 3;
  });
});
