/**
 * A database made before URLs were read by one set of rules can hold timers the
 * controllers could not build a request for; before the fix, each such timer
 * crashed every controller that claimed it, in turn. With three controller
 * processes and poisoned rows inserted directly (one still `firing` under the
 * expired lease of a controller that crashed on it), every poisoned timer ends
 * `failed` on its first claim with its reason, every other timer fires, and no
 * controller exits.
 */
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { insertTimers, statusCounts } from './helpers/timers';
import { waitFor } from './helpers/wait';

let t: TestDatabase;
let receiver: Receiver;
const controllers: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('poisoned_rows');
  receiver = await startReceiver();
});

afterAll(async () => {
  await killAll(controllers);
  await receiver.close();
  await t.drop();
});

it('poisoned rows end failed on their first claim; everything else fires; no controller exits', async () => {
  const { host } = new URL(receiver.url);
  const poisonedUrls = [
    `http://x:%C0@${host}/p`,
    `http://a:%FF@${host}/`,
    `http://${host}/%`,
    `http://${host}/a?x=%E0%A4`,
    `http://%E0%A4:pw@${host}/b#%zz`,
  ];
  const good = await insertTimers(t.db, 300, receiver.url, (i) => (i % 3) * 200);
  const poisoned: string[] = [];
  for (const url of poisonedUrls) poisoned.push(...(await insertTimers(t.db, 2, url, () => 100)));
  // As a crash on it left one: firing, under the expired lease of a controller that is gone.
  const [stuck] = await insertTimers(t.db, 1, poisonedUrls[0], () => -5000);
  await t.db.raw(
    "UPDATE timers SET status = 'firing', locked_by = 'crashed', lease_token = 1, attempts = 1 WHERE id = ?",
    [stuck],
  );

  // A lease far longer than a busy machine's stalls: a second claim can only come from a retry.
  const env = { DATABASE_URL: t.url, POLL_INTERVAL_MS: '100', LEASE_MS: '20000', WEBHOOK_TIMEOUT_MS: '1000' };
  for (const id of ['c1', 'c2', 'c3']) controllers.push(spawnService('controller', { ...env, CONTROLLER_ID: id }));
  await Promise.all(controllers.map((c) => c.waitForLog('Controller started')));

  await waitFor('every timer to end', async () => {
    const counts = await statusCounts(t.db);
    return counts.fired === good.length && counts.failed === poisoned.length + 1;
  });

  const [rows] = (await t.db.raw(
    `SELECT id, attempts, last_error FROM timers WHERE status = 'failed' ORDER BY id`,
  )) as unknown as [Array<{ id: string; attempts: number; last_error: string }>];
  for (const row of rows) {
    expect(row.last_error).toMatch(
      /^invalid webhook URL: url's (user name|password|path|query) has an invalid percent-encoding/,
    );
    // Failed on the claim that first read it: never retried.
    expect(row.attempts).toBe(row.id === stuck ? 2 : 1);
  }
  expect(new Set(receiver.deliveries.map((d) => d.id))).toEqual(new Set(good));
  for (const c of controllers) {
    expect(c.child.exitCode).toBeNull();
    expect(c.logs.filter((l) => l.level === 'error')).toEqual([]);
  }
});
