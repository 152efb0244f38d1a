/**
 * Schedules end to end on a real MariaDB: schedules created through the api,
 * their occurrences created by two controller processes at once and fired like
 * any timer — each occurrence exactly one timer row and one delivery — and, after
 * downtime, only the latest missed occurrence fired.
 */
import { select } from '@timer/shared';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { Receiver, startReceiver } from '../../test/helpers/receiver';
import { waitFor } from '../../test/helpers/wait';

let t: TestDatabase;
let receiver: Receiver;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('ctl_schedules');
  receiver = await startReceiver();
});

afterAll(async () => {
  await killAll(processes);
  await receiver.close();
  await t.drop();
});

afterEach(async () => {
  await killAll(processes.splice(0));
});

interface OccurrenceRow {
  id: string;
  status: string;
  occurrence_at: Date;
  fire_at: Date;
}

function occurrences(scheduleId: string): Promise<OccurrenceRow[]> {
  return select<OccurrenceRow>(
    t.db,
    5000,
    'SELECT id, status, occurrence_at, fire_at FROM timers WHERE schedule_id = ? ORDER BY occurrence_at',
    [scheduleId],
  );
}

/** timers_schedule_occurrences_total of one controller. */
async function occurrencesWritten(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('timers_schedule_occurrences_total '));
  return Number(line?.split(' ')[1] ?? NaN);
}

function controller(name: string, env: Record<string, string> = {}): ServiceProcess {
  const p = spawnService('controller', { DATABASE_URL: t.url, CONTROLLER_ID: name, ...env });
  processes.push(p);
  return p;
}

it('two controllers create each occurrence of every-second schedules exactly once, and each fires once', async () => {
  // Passes every 50 ms from both controllers, over the same few schedules: they meet on every schedule.
  const fast = { SCHEDULE_POLL_INTERVAL_MS: '50', SCHEDULE_LOOKAHEAD_MS: '1500' };
  const controllers = [controller('sched-a', fast), controller('sched-b', fast)];
  const api = spawnService('api', { DATABASE_URL: t.url });
  processes.push(api);
  await Promise.all(controllers.map((c) => c.waitForLog('Controller started')));
  const metricsPorts = await Promise.all(
    controllers.map(async (c) => (await c.waitForLog('Controller health server listening')).port as number),
  );
  const base = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;

  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${base}/schedules`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ cron: '*/1 * * * * *', timezone: 'Europe/Berlin', url: receiver.url }),
    });
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { id: string }).id);
  }

  await waitFor(
    'six fired occurrences of every schedule',
    async () => {
      for (const id of ids) {
        if ((await occurrences(id)).filter((r) => r.status === 'fired').length < 6) return false;
      }
      return true;
    },
    { timeoutMs: 30_000 },
  );
  for (const id of ids) expect((await fetch(`${base}/schedules/${id}/pause`, { method: 'POST' })).status).toBe(200);
  await waitFor('every occurrence created to be fired or canceled', async () => {
    const [row] = await select<{ n: number }>(
      t.db,
      5000,
      "SELECT COUNT(*) AS n FROM timers WHERE status NOT IN ('fired', 'canceled')",
    );
    return Number(row.n) === 0;
  });

  const delivered = receiver.countById();
  let rowsCreated = 0;
  for (const id of ids) {
    const rows = await occurrences(id);
    rowsCreated += rows.length;
    const fired = rows.filter((r) => r.status === 'fired');
    const times = fired.map((r) => r.occurrence_at.getTime());
    // One timer per second, from the first occurrence on: none twice, none missing.
    expect(times).toEqual(times.map((_, i) => times[0] + i * 1000));
    expect(times[0] % 1000).toBe(0);
    for (const r of fired) {
      expect(r.fire_at.getTime()).toBe(r.occurrence_at.getTime());
      expect(delivered.get(r.id)).toBe(1);
    }
    // The pause canceled only occurrences still waiting, all later than every fired one.
    const canceled = rows.filter((r) => r.status === 'canceled').map((r) => r.occurrence_at.getTime());
    for (const at of canceled) expect(at).toBeGreaterThan(times[times.length - 1]);
  }
  expect(receiver.deliveries.length).toBe([...delivered.values()].reduce((a, b) => a + b, 0));
  expect([...delivered.values()].every((n) => n === 1)).toBe(true);
  // Between them the controllers wrote each occurrence once: no occurrence was planned by both
  // (a second INSERT of one would be a no-op, but would still count).
  const written = await Promise.all(metricsPorts.map((port) => occurrencesWritten(port)));
  expect(written[0] + written[1]).toBe(rowsCreated);
  for (const c of controllers) expect(c.child.exitCode).toBeNull();
});

it('after downtime fires only the latest missed occurrence, once, and logs the skip', async () => {
  // A daily schedule whose next run was three days ago: no controller ran since.
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const threeDaysAgo = new Date(today.getTime() - 3 * 86_400_000);
  const id = '019a0000-0000-7000-8000-00000000d0a1';
  await t.store.createSchedule({
    id,
    cron: '0 0 * * *',
    timezone: 'UTC',
    url: receiver.url,
    owner: 'anonymous',
    nextRunAt: threeDaysAgo,
    createdAt: new Date(threeDaysAgo.getTime() - 3600_000),
  });

  const c = controller('catch-up');
  const line = await c.waitForLog('Schedule missed occurrences; creating only the latest', (l) => l.scheduleId === id);
  await waitFor('the occurrence to be fired', async () => (await occurrences(id))[0]?.status === 'fired');

  expect(line).toMatchObject({ missedFrom: threeDaysAgo.toISOString(), occurrenceAt: today.toISOString() });
  const rows = await occurrences(id);
  expect(rows.map((r) => r.occurrence_at.toISOString())).toEqual([today.toISOString()]);
  expect(receiver.countById().get(rows[0].id)).toBe(1);
  const schedule = await t.store.findSchedule(id);
  expect(schedule!.nextRunAt!.toISOString()).toBe(new Date(today.getTime() + 86_400_000).toISOString());
  expect(schedule!.lastOccurrenceAt!.toISOString()).toBe(today.toISOString());
});
