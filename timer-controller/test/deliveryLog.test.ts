/**
 * What `docker logs -f` on a controller shows, read from the real logger's
 * output (winston's JSON lines): every delivered timer by its id at info, with
 * its target host, status, attempt, lateness and duration, up to
 * DELIVERY_LOG_PER_SECOND lines a second; over that bound, one line when the
 * second is over says how many deliveries were not logged one by one. On a fake
 * clock, so "the 101st in one second" means exactly that.
 */
import { PassThrough } from 'node:stream';
import { createLogger } from '@timer/shared';
import { FakeRig, fakeRig } from './fakes/fakeRig';

interface Line {
  level: string;
  message: string;
  [field: string]: unknown;
}

let rig: FakeRig;
let lines: Line[];

function start(env: Record<string, string>, level = 'info'): void {
  const stream = new PassThrough();
  lines = [];
  stream.on('data', (chunk: Buffer) => {
    for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text) as Line);
  });
  rig = fakeRig(env, { logger: createLogger({ level, service: 'timer-controller', stream }) });
}

afterEach(() => rig.stop());

const delivered = () => lines.filter((l) => l.message === 'Webhook delivered');
const notLogged = () => lines.filter((l) => l.message === 'Deliveries not logged one by one');

it("logs a delivered timer at info: its id, the target's host, status, attempt, lateness and duration", async () => {
  start({});
  const id = rig.add(1000);
  rig.sender.answer = () => ({ status: 204, afterMs: 40 });
  rig.controller.start();
  await rig.clock.advance(2000);

  expect(delivered()).toEqual([
    expect.objectContaining({
      level: 'info',
      timerId: id,
      host: 'receiver.test',
      status: 204,
      attempt: 1,
      latenessMs: 0,
      durationMs: 40,
      controllerId: 'fake-controller',
    }),
  ]);
  expect(JSON.stringify(delivered())).not.toContain('/hooks');
});

it('over DELIVERY_LOG_PER_SECOND, counts the rest and says how many in one line when the second is over', async () => {
  start({ DELIVERY_LOG_PER_SECOND: '100', MAX_IN_FLIGHT: '1000' });
  const ids = Array.from({ length: 250 }, () => rig.add(1000));
  rig.controller.start();
  await rig.clock.advance(999);
  expect(delivered()).toEqual([]);

  await rig.clock.advance(1);
  expect(delivered()).toHaveLength(100);
  expect(notLogged()).toEqual([]);

  await rig.clock.advance(1000);
  expect(notLogged()).toEqual([
    expect.objectContaining({ level: 'info', count: 150, intervalMs: 1000, limitPerSecond: 100 }),
  ]);
  expect(new Set(delivered().map((l) => l.timerId)).size).toBe(100);
  expect(ids.filter((id) => rig.row(id).status === 'fired')).toHaveLength(250);

  // A new second, a new budget.
  const later = rig.add(500);
  await rig.clock.advance(1000);
  expect(delivered().map((l) => l.timerId)).toContain(later);
});

it('writes no delivery lines at LOG_LEVEL=warn, and none with DELIVERY_LOG_PER_SECOND=0', async () => {
  start({}, 'warn');
  rig.add(1000);
  rig.controller.start();
  await rig.clock.advance(2000);
  expect(lines.filter((l) => l.level === 'info')).toEqual([]);
  await rig.stop();

  start({ DELIVERY_LOG_PER_SECOND: '0' });
  rig.add(1000);
  rig.controller.start();
  await rig.clock.advance(3000);
  expect(delivered()).toEqual([]);
  expect(notLogged()).toEqual([expect.objectContaining({ count: 1 })]);
});
