/**
 * This service on MariaDB, as `npm run start:api` and `npm run start:controller`
 * run it with default settings: one controller process, and for the steady
 * workload one api process. A burst is written straight into the timers table,
 * as the burst scenario does.
 */
import { countTimers, createTestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { insertTimersAt } from '../../test/helpers/timers';
import { CostMeter } from '../meters/cost';
import { mariadbMeter } from '../meters/mariadb';
import type { Running, System, Workload } from './system';

export const OURS_SETTINGS =
  'defaults: one controller process (CLAIM_BATCH_SIZE 500, MAX_IN_FLIGHT 256, MAX_HELD 5000, POLL_INTERVAL_MS 500, ' +
  'LOOKAHEAD_MS 1000), one api process (API_WORKERS 1) for the steady load';

export function oursMariadb(): System {
  return {
    name: 'ours-mariadb',
    settings: OURS_SETTINGS,
    bulkCreation:
      'multi-row INSERTs of 1,000 timers straight into the timers table from the bench process (as `-- burst`; the api is not involved)',
    start,
  };
}

async function start(_receiverUrl: string, workload: Workload): Promise<Running> {
  const t = await createTestDatabase('bench_cost');
  const processes: ServiceProcess[] = [];
  try {
    const controller = spawnService('controller', { DATABASE_URL: t.url, CONTROLLER_ID: 'cost-0' });
    processes.push(controller);
    const api = workload === 'steady' ? spawnService('api', { DATABASE_URL: t.url }) : undefined;
    if (api) processes.push(api);
    await controller.waitForLog('Controller started');
    const port = api ? ((await api.waitForLog('API listening')).port as number) : undefined;
    const meter = new CostMeter(
      () => ({ api: api?.child.pid, controller: controller.child.pid }),
      await mariadbMeter(),
    );
    return {
      frontUrl: port ? `http://127.0.0.1:${port}/timers` : undefined,
      meter,
      bulkCreate: (count, url, fireAt) => insertTimersAt(t.db, count, url, fireAt),
      allRecorded: async (count) =>
        (await countTimers(t.db, "status IN ('pending', 'firing')")) === 0 &&
        (await countTimers(t.db, "status = 'fired'")) >= count,
      async stop() {
        await killAll(processes);
        await meter.database.close();
        await t.drop();
      },
    };
  } catch (err) {
    await killAll(processes);
    await t.drop();
    throw err;
  }
}
