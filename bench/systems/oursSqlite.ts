/**
 * This service in its embedded mode: one `npm start` process (api + controller)
 * on a SQLite file, default settings. The process holds the file's lock while it
 * runs, so a burst is written into the file before it starts (by the bench, like
 * `-- sqlite`); the steady load goes through its api.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { select } from '@timer/shared';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { insertTimersAt } from '../../test/helpers/timers';
import { CostMeter } from '../meters/cost';
import { sqliteFileMeter } from '../meters/sqliteFile';
import { withFile } from '../scenarios/sqlite';
import type { Running, System, Workload } from './system';

const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

export function oursSqlite(): System {
  return {
    name: 'ours-sqlite',
    settings: 'defaults: one process (npm start), SQLite WAL with synchronous=FULL',
    bulkCreation: 'multi-row INSERTs of 1,000 timers into the file from the bench process, before the service opens it',
    start,
  };
}

async function start(_receiverUrl: string, workload: Workload): Promise<Running> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-cost-sqlite-'));
  const file = path.join(dir, 'timers.sqlite');
  // Opened as the service opens it: migrated, and its pragmas read back.
  const durability = await withFile(file, async (db) => {
    const [mode] = await select<{ journal_mode: string }>(db, 10_000, 'PRAGMA journal_mode');
    const [sync] = await select<{ synchronous: number }>(db, 10_000, 'PRAGMA synchronous');
    return { journal_mode: mode.journal_mode, synchronous: SYNCHRONOUS[sync.synchronous] ?? sync.synchronous };
  });
  let service: ServiceProcess | undefined;
  let base: string | undefined;
  const run = async () => {
    service = spawnService('standalone', { SQLITE_PATH: file });
    base = `http://127.0.0.1:${(await service.waitForLog('API listening', undefined, 60_000)).port as number}`;
  };
  const nothingLeft = async () => {
    for (const status of ['pending', 'firing']) {
      const page = (await (await fetch(`${base}/timers?status=${status}&limit=1`)).json()) as { items: unknown[] };
      if (page.items.length > 0) return false;
    }
    return true;
  };
  if (workload === 'steady') await run();
  return {
    get frontUrl() {
      return base && `${base}/timers`;
    },
    meter: new CostMeter(() => ({ service: service?.child.pid }), sqliteFileMeter(file, durability)),
    async bulkCreate(count, url, fireAt) {
      const ids = await withFile(file, (db) => insertTimersAt(db, count, url, fireAt));
      await run();
      return ids;
    },
    // The file is the service's while it runs: what it recorded is read through its api.
    allRecorded: async () => nothingLeft(),
    async stop() {
      if (service) await killAll([service]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
