/**
 * The two workloads every system goes through, with its cost measured over
 * exactly the phases of work (snapshots at their edges, see meters/cost.ts):
 *
 * - burst: N timers due at the same instant, created the system's fastest bulk
 *   way (the due instant leaves creation time enough, see runBurst). Phases:
 *   creation, then firing (from 1.5 s before the due instant, which covers our
 *   controller's look-ahead, until every timer is delivered and recorded). The wait in between is left out; `idle` says what it costs per
 *   second. Drain rate = N / (last arrival − due instant).
 * - steady: a fixed create rate through the system's HTTP front (load from a
 *   child process), 2 s delay; after a warm-up of the same load (WARMUP_S,
 *   delivered first and reported apart), one phase from the first measured create
 *   until every accepted timer is delivered and recorded. Lateness = arrival −
 *   fire_at as the front answered it.
 *
 * Every timer exactly once: missing and duplicated deliveries are counted.
 */
import { startReceiver } from '../test/helpers/receiver';
import { waitFor } from '../test/helpers/wait';
import { duplicates, firstArrivals, latenessOf, round } from './common';
import { delta, perTimer, sum } from './meters/cost';
import { runCreator, warmUp, WARMUP_S } from './processes';
import type { System } from './systems/system';

/** How long each system is watched idle before a workload: its idle cost, and a sign of a busy machine. */
const IDLE_MS = 1000;
/**
 * A system's first second after it says it is ready still finishes its start (the
 * embedded mode spent about 250 CPU ms there): idle is watched after it. The steady
 * load watches it after its warm-up instead.
 */
const SETTLE_MS = 1000;

function sleepUntil(at: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
}

/** Creation ran into the firing phase: the burst is measured again with a longer lead. */
class CreationTooSlow extends Error {
  constructor(readonly createMs: number) {
    super(`creation took ${createMs} ms, past the firing phase's start`);
  }
}

/**
 * The due instant is set before creation starts, so it must leave creation enough
 * time (and the 1.5 s before it free for the firing phase): 4 s + 0.25 ms a timer,
 * and when that was too short on this machine, once more with twice what it took.
 */
export async function runBurst(system: System, count: number) {
  try {
    return await burstWithLead(system, count, 4000 + count / 4);
  } catch (err) {
    if (!(err instanceof CreationTooSlow)) throw err;
    return burstWithLead(system, count, 2 * err.createMs + 4000);
  }
}

async function burstWithLead(system: System, count: number, leadMs: number) {
  const receiver = await startReceiver(undefined, { light: true });
  const running = await system.start(receiver.url, 'burst');
  try {
    const durability = await running.meter.database.durability();
    await sleepUntil(Date.now() + SETTLE_MS);
    const idle = await running.meter.idle(IDLE_MS);
    const fireAt = new Date(Date.now() + leadMs);
    const s0 = await running.meter.snapshot();
    const ids = await running.bulkCreate(count, receiver.url, fireAt);
    const s1 = await running.meter.snapshot();
    if (s1.at > fireAt.getTime() - 1500) throw new CreationTooSlow(s1.at - s0.at);
    await sleepUntil(fireAt.getTime() - 1500);
    const s2 = await running.meter.snapshot();
    await waitFor(`${system.name}: every timer delivered`, () => receiver.distinct >= count, {
      timeoutMs: 180_000,
      intervalMs: 50,
    });
    await waitFor(`${system.name}: every timer recorded`, () => running.allRecorded(count), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const s3 = await running.meter.snapshot();
    const first = firstArrivals(receiver.deliveries);
    const late = ids.filter((id) => first.has(id)).map((id) => first.get(id)! - fireAt.getTime());
    const lateness = latenessOf(late);
    const create = delta(s0, s1);
    const fire = delta(s2, s3);
    return {
      timers: count,
      create_s: round(create.ms / 1000, 2),
      due_after_s: round(leadMs / 1000, 2),
      fires_per_second: round(count / (lateness.max / 1000), 0),
      drain_s: round(lateness.max / 1000, 2),
      lateness_ms: lateness,
      missing: ids.filter((id) => !first.has(id)).length,
      duplicates: duplicates(receiver.deliveries),
      durability,
      cost: {
        created_and_fired: perTimer(sum(create, fire), count),
        create: perTimer(create, count),
        fire: perTimer(fire, count),
        idle,
      },
    };
  } finally {
    await running.stop();
    await receiver.close();
  }
}

export async function runSteady(system: System, ratePerSecond: number, durationS: number) {
  const receiver = await startReceiver(undefined, { light: true });
  const running = await system.start(receiver.url, 'steady');
  try {
    const body = JSON.stringify({ seconds: 2, url: receiver.url });
    const warm = await warmUp(running.frontUrl!, ratePerSecond, body, receiver);
    const idle = await running.meter.idle(IDLE_MS);
    const s0 = await running.meter.snapshot();
    const created = await runCreator(running.frontUrl!, ratePerSecond, durationS, body);
    const fireAt = new Map(Object.entries(created.fireAt));
    const all = warm.ids.length + fireAt.size;
    await waitFor(`${system.name}: every accepted timer delivered`, () => receiver.distinct >= all, {
      timeoutMs: 60_000,
      intervalMs: 50,
    }).catch(() => undefined); // what is missing is counted below
    await waitFor(`${system.name}: every timer recorded`, () => running.allRecorded(all), {
      timeoutMs: 30_000,
      intervalMs: 100,
    }).catch(() => undefined);
    const s1 = await running.meter.snapshot();
    const first = firstArrivals(receiver.deliveries);
    const late = [...fireAt].filter(([id]) => first.has(id)).map(([id, at]) => first.get(id)! - at);
    return {
      rate_per_second: ratePerSecond,
      duration_s: durationS,
      delay_s: 2,
      achieved_create_rate: round((ratePerSecond * durationS) / created.seconds, 0),
      accepted: fireAt.size,
      create_errors: created.errors,
      create_latency_ms: created.latencyMs,
      lateness_ms: latenessOf(late),
      early: late.filter((ms) => ms < 0).length,
      warmup: { seconds: WARMUP_S, timers: warm.ids.length, lateness_ms: latenessOf(warm.lateness) },
      missing: [...warm.ids, ...fireAt.keys()].filter((id) => !first.has(id)).length,
      duplicates: duplicates(receiver.deliveries),
      cost: {
        created_and_fired: perTimer(delta(s0, s1, { load_generator: created.cpuMs }), fireAt.size),
        idle,
      },
    };
  } finally {
    await running.stop();
    await receiver.close();
  }
}

export type BurstRun = Awaited<ReturnType<typeof runBurst>>;
export type SteadyRun = Awaited<ReturnType<typeof runSteady>>;

/**
 * One measurement per system and size in a bench run: `cost` and `peers` both
 * report ours on MariaDB, from the same runs when both are asked for.
 */
const done = new Map<string, Promise<unknown>>();

export function burstOnce(system: System, count: number): Promise<BurstRun> {
  const key = `${system.name}/burst/${count}`;
  if (!done.has(key)) done.set(key, runBurst(system, count));
  return done.get(key) as Promise<BurstRun>;
}

export function steadyOnce(system: System, rate: number, durationS: number): Promise<SteadyRun> {
  const key = `${system.name}/steady/${rate}/${durationS}`;
  if (!done.has(key)) done.set(key, runSteady(system, rate, durationS));
  return done.get(key) as Promise<SteadyRun>;
}

/** The sizes every system is measured at: the burst and steady scenarios' own. */
export function sizes(quick: boolean) {
  return { burst: quick ? 2000 : 20_000, steadyRate: 500, steadyS: quick ? 4 : 20 };
}

/**
 * Systems through both workloads: every burst, then every steady load, so that
 * the systems compared run minutes apart at most, under the same conditions.
 */
export async function measureAll(systems: System[], quick: boolean): Promise<Record<string, Measured>> {
  const size = sizes(quick);
  const bursts = [];
  for (const system of systems) bursts.push(await burstOnce(system, size.burst));
  const measured: Record<string, Measured> = {};
  for (const [i, system] of systems.entries()) {
    const { durability, ...burst } = bursts[i];
    const steady = await steadyOnce(system, size.steadyRate, size.steadyS);
    measured[system.name] = {
      settings: system.settings,
      durability,
      burst: { created_by: system.bulkCreation, ...burst },
      steady,
    };
  }
  return measured;
}

export interface Measured {
  settings: string;
  durability: Record<string, unknown>;
  burst: Omit<BurstRun, 'durability'> & { created_by: string };
  steady: SteadyRun;
}

export function lostOrDuplicated(systems: Measured[]): { missing: number; duplicates: number } {
  return {
    missing: systems.reduce((n, s) => n + s.burst.missing + s.steady.missing, 0),
    duplicates: systems.reduce((n, s) => n + s.burst.duplicates + s.steady.duplicates, 0),
  };
}
