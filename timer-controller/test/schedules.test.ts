/**
 * Schedules end to end on a real MariaDB: schedules created through the api,
 * their occurrences created by two controller processes at once and fired like
 * any timer — each occurrence exactly one timer row and one delivery — and, after
 * downtime, only the latest missed occurrence created, which then follows the
 * schedule's missed-fire rule: fired late by default, skipped under on_late "skip".
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
  max_lateness_s: number | null;
  last_error: string | null;
}

function occurrences(scheduleId: string): Promise<OccurrenceRow[]> {
  return select<OccurrenceRow>(
    t.db,
    5000,
    `SELECT id, status, occurrence_at, fire_at, max_lateness_s, last_error FROM timers
     WHERE schedule_id = ? ORDER BY occurrence_at`,
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
  await t.store.schedules.create({
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
  const schedule = await t.store.schedules.find(id);
  expect(schedule!.nextRunAt!.toISOString()).toBe(new Date(today.getTime() + 86_400_000).toISOString());
  expect(schedule!.lastOccurrenceAt!.toISOString()).toBe(today.toISOString());
});

it('after downtime skips the catch-up occurrence of an on_late "skip" schedule that is too late, and sends nothing', async () => {
  const api = spawnService('api', { DATABASE_URL: t.url });
  processes.push(api);
  const base = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;
  // Hourly at the minute of ten minutes ago: the latest occurrence is 10–11 minutes old, whenever this runs.
  const latest = new Date(Date.now() - 10 * 60_000);
  latest.setUTCSeconds(0, 0);
  const cron = `${latest.getUTCMinutes()} * * * *`;
  const create = async (rule: object): Promise<string> => {
    const res = await fetch(`${base}/schedules`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ cron, url: receiver.url, ...rule }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const skipping = await create({ on_late: 'skip', max_lateness_seconds: 60 });
  const lenient = await create({ on_late: 'skip', max_lateness_seconds: 3600 });
  // As if no controller had run for three hours: the next run is three occurrences back.
  const threeHoursBack = new Date(latest.getTime() - 3 * 3600_000);
  await t.db.raw('UPDATE schedules SET next_run_at = ? WHERE id IN (?, ?)', [threeHoursBack, skipping, lenient]);

  const c = controller('catch-up-skip');
  const line = await c.waitForLog('Timer too late under its missed-fire policy; skipped');
  await waitFor('the lenient occurrence to be fired', async () => (await occurrences(lenient))[0]?.status === 'fired');

  const [skipped] = await occurrences(skipping);
  expect(skipped).toMatchObject({ status: 'skipped', max_lateness_s: 60 });
  expect(skipped.occurrence_at.toISOString()).toBe(latest.toISOString());
  expect(skipped.last_error).toMatch(/^skipped: \d+\.\d s late, more than max_lateness_seconds 60$/);
  expect(line).toMatchObject({ timerId: skipped.id, maxLatenessMs: 60_000 });
  expect(line.lateMs as number).toBeGreaterThanOrEqual(10 * 60_000);
  expect(receiver.countById().get(skipped.id)).toBeUndefined();
  expect(await t.store.attempts.list({ timerId: skipped.id, limit: 10 })).toEqual([]);
  // Only the latest missed occurrence was created, for either schedule; the one within its limit was sent.
  expect(await occurrences(skipping)).toHaveLength(1);
  const [fired] = await occurrences(lenient);
  expect(fired.occurrence_at.toISOString()).toBe(latest.toISOString());
  expect(receiver.countById().get(fired.id)).toBe(1);
  const schedule = await t.store.schedules.find(skipping);
  expect(schedule).toMatchObject({ maxLatenessSeconds: 60, lastOccurrenceAt: latest });
  expect(schedule!.nextRunAt!.getTime()).toBe(latest.getTime() + 3600_000);
});
