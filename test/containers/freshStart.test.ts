/**
 * A fresh stack starts cleanly when the api and three controllers apply the
 * migrations at once: `up --scale timer-controller=3` on an empty database volume,
 * where all four services start together the moment MySQL is healthy. knex's
 * migration lock lets one of them apply the migrations; the others wait and find
 * them applied. Nothing crashes or restarts, and a timer fires.
 */
import type { Receiver } from '../helpers/receiver';
import { waitFor } from '../helpers/wait';
import { serviceOf } from './compose';
import { defineFleet, Fleet, jsonLogs, startFleetReceiver, waitUntilHealthy } from './fleet';
import { recordFigures, seconds } from './figures';

const CONTROLLERS = 3;

let fleet: Fleet;
let receiver: Receiver;
let upStartedAt: number;

beforeAll(async () => {
  fleet = await defineFleet('fresh');
  upStartedAt = Date.now();
  await fleet.project.compose(['up', '-d', '--no-build', '--scale', `timer-controller=${CONTROLLERS}`]);
  receiver = await startFleetReceiver(fleet.project);
}, 300_000);

afterAll(async () => {
  await receiver?.close();
  if (fleet && !process.env.KEEP_FLEET) await fleet.project.down();
}, 120_000);

it('starts cleanly: one service applies the migrations, the others find them applied, none restarts', async () => {
  const containers = await waitUntilHealthy(fleet.project, {
    mysql: 1,
    'timer-api': 1,
    'timer-controller': CONTROLLERS,
  });
  const healthyAt = Date.now();
  const services = containers.filter((c) => serviceOf(c) !== 'mysql');
  expect(services).toHaveLength(1 + CONTROLLERS);

  let applied = 0;
  for (const container of services) {
    const { lines, notJson } = await jsonLogs(fleet.project, container.Id);
    expect(notJson).toEqual([]);
    expect({ container: container.Name, restarts: container.RestartCount }).toEqual({
      container: container.Name,
      restarts: 0,
    });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lines.some((l) => l.message === 'Database ready')).toBe(true);
    applied += lines.filter((l) => l.message === 'Applied migrations').length;
  }
  expect(applied).toBe(1);

  const id = await fleet.api.createTimer({ seconds: 0, url: `${receiver.url}/fresh` });
  await waitFor('the timer to fire', () => receiver.countById().get(id) === 1, { timeoutMs: 30_000 });
  recordFigures('freshStart', { upToAllHealthyS: seconds(healthyAt - upStartedAt), migrationsAppliedBy: applied });
});
