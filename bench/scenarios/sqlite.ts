/**
 * sqlite: the embedded mode, one `npm start` process (api + controller) on a
 * SQLite file (WAL, synchronous=FULL), with default settings.
 *
 * - burst: N timers due at the same instant, written to the file before the
 *   process starts (while it runs, it holds the file's exclusive lock). Drain
 *   rate = N / (last arrival − fire_at); every timer exactly once, and recorded
 *   fired in the file.
 * - create: POST /timers at concurrency 64 through that process; every 201 must
 *   be a row in the file afterwards.
 * - steady: 500 creates a second through its api, 2 s delay (the workload the
 *   peers and the cost go through): lateness and create latency, p50 / p99.
 *
 * - mariadb_create: the same creates through `npm start` on MariaDB, just before.
 *
 * `goals`: the ratios to the MariaDB mode in the same run (the burst's needs
 * `-- burst` before `sqlite`, as in `npm run bench -- burst sqlite`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb, Db, loadConfig, migrateToLatest, select } from '@timer/shared';
import { countTimers, createTestDatabase } from '../../test/helpers/db';
import { killAll, ServiceProcess, spawnService } from '../../test/helpers/processes';
import { startReceiver } from '../../test/helpers/receiver';
import { insertTimersAt, percentile } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';
import { BenchOptions, duplicates, firstArrivals, round } from '../common';
import { createFigures, runLoad } from '../load';
import { oursSqlite } from '../systems/oursSqlite';
import { sizes, steadyOnce } from '../workload';
import { BODY, Ceilings } from './ceilings';

/** Opens the file from the bench process: only while no service holds it. */
export async function withFile<T>(file: string, use: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(loadConfig({ SQLITE_PATH: file, LOG_LEVEL: 'warn' }, { standalone: true }));
  try {
    await migrateToLatest(db);
    return await use(db);
  } finally {
    await db.destroy();
  }
}

async function countRows(file: string, where = '1 = 1'): Promise<number> {
  return withFile(file, async (db) => {
    const [row] = await select<{ n: number }>(db, 60_000, `SELECT COUNT(*) AS n FROM timers WHERE ${where}`);
    return Number(row.n);
  });
}

/** SIGTERM and wait: the process records what it delivered and releases the file. */
async function stop(service: ServiceProcess): Promise<void> {
  service.kill('SIGTERM');
  const { code } = await service.exited;
  if (code !== 0) throw new Error(`the standalone process exited with ${code}: ${service.stderr.join('')}`);
}

async function measureBurst(dir: string, count: number) {
  const file = path.join(dir, 'burst.sqlite');
  const receiver = await startReceiver(undefined, { light: true });
  // Due after the process will surely be up, even on a busy machine (it starts in about a second on a quiet one).
  const fireAt = new Date(Date.now() + 12_000 + count / 5);
  const ids = await withFile(file, (db) => insertTimersAt(db, count, receiver.url, fireAt));
  const service = spawnService('standalone', { SQLITE_PATH: file });
  try {
    const listening = await service.waitForLog('API listening', undefined, 60_000);
    if (Date.now() >= fireAt.getTime()) throw new Error('the process started after the burst was due');
    await waitFor('every timer delivered', () => receiver.distinct === count, { timeoutMs: 120_000, intervalMs: 100 });
    // Outcomes recorded too, not only sent: nothing left pending or firing.
    const base = `http://127.0.0.1:${listening.port as number}`;
    await waitFor('every timer recorded', async () => {
      for (const status of ['pending', 'firing']) {
        const page = (await (await fetch(`${base}/timers?status=${status}&limit=1`)).json()) as { items: unknown[] };
        if (page.items.length > 0) return false;
      }
      return true;
    });
    const first = firstArrivals(receiver.deliveries);
    const late = [...first.values()].map((at) => at - fireAt.getTime()).sort((a, b) => a - b);
    const drainS = (late[late.length - 1] ?? 0) / 1000;
    await stop(service);
    return {
      timers: count,
      fires_per_second: round(count / drainS, 0),
      drain_s: round(drainS, 2),
      lateness_ms: { p50: percentile(late, 50), p99: percentile(late, 99), max: late[late.length - 1] },
      recorded_fired: await countRows(file, "status = 'fired'"),
      missing: ids.filter((id) => !first.has(id)).length,
      duplicates: duplicates(receiver.deliveries),
    };
  } finally {
    await killAll([service]);
    await receiver.close();
  }
}

async function measureCreate(dir: string, durationS: number) {
  const file = path.join(dir, 'create.sqlite');
  const service = spawnService('standalone', { SQLITE_PATH: file });
  try {
    const listening = await service.waitForLog('API listening', undefined, 60_000);
    const load = await runLoad({
      url: `http://127.0.0.1:${listening.port as number}/timers`,
      body: BODY,
      connections: 64,
      durationS,
    });
    await stop(service);
    const rows = await countRows(file);
    return { connections: 64, duration_s: durationS, ...createFigures(load, rows) };
  } finally {
    await killAll([service]);
  }
}

/** The same creates through `npm start` on MariaDB: the MariaDB mode as one process, api and controller together. */
async function measureCreateOnMariadb(durationS: number) {
  const t = await createTestDatabase('bench_sqlite_vs');
  const service = spawnService('standalone', { DATABASE_URL: t.url });
  try {
    const api = await service.waitForLog('API listening', undefined, 60_000);
    // Migrations are in once the controller has started too.
    await service.waitForLog('Controller started', undefined, 60_000);
    const load = await runLoad({
      url: `http://127.0.0.1:${api.port as number}/timers`,
      body: BODY,
      connections: 64,
      durationS,
    });
    await stop(service);
    const rows = await countTimers(t.db);
    return { connections: 64, duration_s: durationS, ...createFigures(load, rows) };
  } finally {
    await killAll([service]);
    await t.drop();
  }
}

/**
 * The embedded mode against the MariaDB mode: creates against `npm start` on
 * MariaDB measured just before (one process, as the embedded mode runs), the
 * burst against one controller from `-- burst` earlier in the same run; and the
 * steady load's own bounds.
 */
function goals(
  earlier: Record<string, Record<string, unknown>>,
  figures: { creates: number; mariadbCreates: number; fires: number; latenessP99: number; createP99: number },
) {
  const mariadbFires = earlier.burst?.fires_per_second as number | undefined;
  return {
    create_ratio_to_mariadb: round(figures.creates / figures.mariadbCreates, 2),
    create_goal: 0.8,
    burst_ratio_to_mariadb: mariadbFires ? round(figures.fires / mariadbFires, 2) : null,
    burst_goal: 0.65,
    steady_lateness_p99_ms: figures.latenessP99,
    steady_lateness_p99_goal_ms: 10,
    steady_create_p99_ms: figures.createP99,
    steady_create_p99_goal_ms: 50,
  };
}

export async function sqlite(
  { quick }: BenchOptions,
  ceilings: Ceilings,
  earlier: Record<string, Record<string, unknown>> = {},
): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-sqlite-'));
  try {
    const burst = await measureBurst(dir, quick ? 2000 : 20_000);
    const mariadbCreate = await measureCreateOnMariadb(quick ? 3 : 10);
    const create = await measureCreate(dir, quick ? 3 : 10);
    const size = sizes(quick);
    const steadyRun = await steadyOnce(oursSqlite(), size.steadyRate, size.steadyS);
    // Its cost is the cost scenario's to report.
    const steady = { ...steadyRun, cost: undefined };
    return {
      scenario: 'sqlite',
      burst,
      create,
      mariadb_create: mariadbCreate,
      steady,
      ceiling: { bare_receiver_rps: ceilings.bare_receiver_rps, express_noop_rps: ceilings.express_noop_rps },
      goals: goals(earlier, {
        creates: create.creates_per_second,
        mariadbCreates: mariadbCreate.creates_per_second,
        fires: burst.fires_per_second,
        latenessP99: steady.lateness_ms.p99,
        createP99: steady.create_latency_ms.p99,
      }),
      burst_ratio_to_bare_receiver: round(burst.fires_per_second / ceilings.bare_receiver_rps, 2),
      create_ratio_to_express_noop: round(create.creates_per_second / ceilings.express_noop_rps, 2),
      settings: 'one process (npm start), SQLite WAL + synchronous=FULL, defaults otherwise',
      missing: burst.missing + (burst.timers - burst.recorded_fired) + create.acknowledged_but_missing + steady.missing,
      duplicates: burst.duplicates + steady.duplicates,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
