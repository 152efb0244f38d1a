/**
 * One fault campaign: start a database server, the proxy, the receiver and the
 * services; create timers steadily and in one burst while killing controllers,
 * cutting the database connection and crashing the database; then let
 * everything settle with no faults and collect what happened.
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { measureClockSkew, systemClock } from '@timer/shared';
import { insertTimersAt } from '../test/helpers/timers';
import { CampaignDatabase, createCampaignDatabase, persistently, rows } from './database';
import type { KillRecord, Window } from './duplicates';
import type { TimerRow } from './figures';
import { Fleet } from './fleet';
import { createTimersSteadily, LoadResult } from './load';
import { DatabaseServer, sharedServer, startPrivateMariadb } from './mariadb';
import { between, LEASE_MS, Plan, seededRandom, SERVICE_ENV } from './plan';
import { ProxyHandle, startProxyProcess } from './proxy';
import { DeliveryRecord, startReceiverProcess } from './receiver';

export interface Observations {
  plan: Plan;
  server: DatabaseServer;
  skewMs: number;
  /** When load and faults began (host clock). */
  startedAt: number;
  load: LoadResult;
  burstIds: string[];
  outages: Window[];
  kills: KillRecord[];
  deliveries: DeliveryRecord[];
  rows: TimerRow[];
  fleet: Fleet;
  exitCodes: Array<number | null>;
  /** When a controller logged a failed delivery attempt, per timer id. */
  failuresLogged: Map<string, number[]>;
  settleMs: number;
  settled: boolean;
  /** How loaded the machine was: the figures mean little on a starved one. */
  machine: { cores: number; loadAverage: [number, number]; campaignLoopDelayMs: { p99: number; max: number } };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export async function runCampaign(plan: Plan, useSharedServer: boolean): Promise<Observations> {
  const server = (!useSharedServer && (await startPrivateMariadb())) || sharedServer();
  const cleanups: Array<() => Promise<unknown>> = [() => server.stop()];
  try {
    const database = await createCampaignDatabase(server);
    cleanups.push(() => database.drop());
    const proxy = await startProxyProcess(server.port, server.host);
    cleanups.push(() => proxy.close());
    const receiver = await startReceiverProcess(plan.receiver, plan.seed);
    cleanups.push(() => receiver.stop());
    // Database minus host clock: fire_at and leases are database times, arrivals host times.
    const skewMs = Math.round(await measureClockSkew(database.db, systemClock, 5000));
    const fleet = new Fleet({ ...SERVICE_ENV, DATABASE_URL: database.urlVia(proxy.port) });
    cleanups.push(() => fleet.stop());
    const apiPort = await fleet.start();

    const loadAtStart = os.loadavg()[0];
    const loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    const t0 = Date.now();
    const at = (ms: number) => sleep(t0 + ms - Date.now());
    const outages: Window[] = [];
    const kills: KillRecord[] = [];
    // Written first, so the api's first creates do not queue behind ten INSERTs of a thousand rows.
    const burstIds = await insertTimersAt(
      database.db,
      plan.burst.timers,
      receiver.url,
      new Date(t0 + plan.burst.dueAtMs + skewMs),
    );
    const [load] = await Promise.all([
      createTimersSteadily(plan, `http://127.0.0.1:${apiPort}`, receiver.url, seededRandom(plan.seed + 1)),
      ...plan.cuts.map(async (cut) => {
        await at(cut.atMs);
        outages.push(await cutFor(proxy, cut.forMs));
      }),
      (async () => {
        if (!server.crashRestart) return;
        await at(plan.databaseCrash.atMs);
        const { downAt, upAt } = await server.crashRestart(plan.databaseCrash.downMs);
        outages.push({ kind: 'database_crash', start: downAt, end: upAt });
      })(),
      killControllers(plan, fleet, database, skewMs, at, kills),
    ]);

    loopDelay.disable();
    const settleStarted = Date.now();
    const settled = await settle(database, plan.settleMaxMs);
    const settleMs = Date.now() - settleStarted;
    const exitCodes = await fleet.stop();
    const deliveries = await receiver.records();
    return {
      plan,
      server,
      skewMs,
      startedAt: t0,
      load,
      burstIds,
      outages: outages.sort((a, b) => a.start - b.start),
      kills,
      deliveries,
      rows: await finalRows(database, skewMs),
      fleet,
      exitCodes,
      failuresLogged: fleet.failuresLogged(),
      settleMs,
      settled,
      machine: {
        cores: os.cpus().length,
        loadAverage: [loadAtStart, os.loadavg()[0]],
        campaignLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
      },
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

async function cutFor(proxy: ProxyHandle, forMs: number): Promise<Window> {
  const start = Date.now();
  await proxy.cut();
  await sleep(forMs);
  await proxy.restore();
  return { kind: 'proxy_cut', start, end: Date.now() };
}

/**
 * Kills the controllers in turn. Once the victim is gone, the rows it still
 * holds are read on the campaign's direct connection: nothing can change them
 * until their lease runs out, so they are exactly its unrecorded claims.
 */
async function killControllers(
  plan: Plan,
  fleet: Fleet,
  database: CampaignDatabase,
  skewMs: number,
  at: (ms: number) => Promise<void>,
  kills: KillRecord[],
): Promise<void> {
  const random = seededRandom(plan.seed + 2);
  let slot = 0;
  for (let t = plan.kills.fromMs; t <= plan.kills.untilMs; t += between(random, plan.kills.everyMs)) {
    await at(t);
    const { at: killedAt, controllerId } = await fleet.kill(slot);
    const held = await persistently(() =>
      rows<{ id: string; due_ms: string }>(
        database.db,
        `SELECT id, ROUND(UNIX_TIMESTAMP(due_at) * 1000) AS due_ms FROM timers
         WHERE status = 'firing' AND locked_by = ?`,
        [controllerId],
      ),
    );
    // While firing, due_at is the lease end: the claim began LEASE_MS before it.
    kills.push({
      at: killedAt,
      controllerId,
      held: held.map((r) => ({ id: r.id, claimFrom: Number(r.due_ms) - LEASE_MS - skewMs })),
    });
    fleet.startController(slot);
    slot = (slot + 1) % 3;
  }
}

/** Waits, with no faults, until no timer is pending or firing; false if `maxMs` passed first. */
async function settle(database: CampaignDatabase, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const [{ n }] = await persistently(() =>
      rows<{ n: number }>(database.db, "SELECT COUNT(*) AS n FROM timers WHERE status IN ('pending', 'firing')"),
    );
    if (Number(n) === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
}

async function finalRows(database: CampaignDatabase, skewMs: number): Promise<TimerRow[]> {
  const found = await rows<{
    id: string;
    status: string;
    last_error: string | null;
    fire_ms: string;
    created_ms: string;
  }>(
    database.db,
    `SELECT id, status, last_error, ROUND(UNIX_TIMESTAMP(fire_at) * 1000) AS fire_ms,
            ROUND(UNIX_TIMESTAMP(created_at) * 1000) AS created_ms FROM timers`,
  );
  return found.map((r) => ({
    id: r.id,
    status: r.status,
    lastError: r.last_error,
    fireAt: Number(r.fire_ms) - skewMs,
    createdAt: Number(r.created_ms) - skewMs,
  }));
}
