/**
 * The cost of a phase of work: snapshots of every measured process (by role:
 * api, controller, front, worker, database, …) and of the database's counters,
 * taken at the phase's edges, turned into CPU ms per 1,000 timers and bytes and
 * statements per timer.
 *
 * The bench process itself (receiver, bulk creation) and the load generator are
 * not part of any system: their CPU is reported apart, as `excluded`.
 */
import { round } from '../common';
import type { DatabaseMeter } from './database';
import { ProcessCost, treeCost } from './proc';

export interface Snapshot {
  at: number;
  /** By role; undefined for a process that is not running. */
  processes: Record<string, ProcessCost | undefined>;
  database: Record<string, number>;
  benchCpuMs: number;
}

/** Raw differences between two snapshots, or sums of them. */
export interface Delta {
  ms: number;
  cpuMs: Record<string, number>;
  writeBytes: number;
  database: Record<string, number>;
  excludedCpuMs: Record<string, number>;
  /** Roles that were not running at both edges, so not counted. */
  unmeasured: string[];
}

export interface PhaseCost {
  timers: number;
  seconds: number;
  /** CPU per 1,000 timers by role, and their total (the database server included). */
  cpu_ms_per_1000: Record<string, number>;
  /** Bytes every measured process sent to storage (the kernel's write_bytes). */
  disk_bytes_per_timer: number;
  /** The database's own counters (bytes by its account, statements/commands), per timer. */
  database_per_timer: Record<string, number>;
  excluded_cpu_ms_per_1000: Record<string, number>;
  unmeasured?: string[];
}

function benchCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export class CostMeter {
  /** `roles`: the pid of each measured process now (read at every snapshot: processes come and go). */
  constructor(
    private readonly roles: () => Record<string, number | undefined>,
    readonly database: DatabaseMeter,
  ) {}

  async snapshot(): Promise<Snapshot> {
    const pids = { ...this.roles(), ...(this.database.pid ? { database: this.database.pid } : {}) };
    const processes: Snapshot['processes'] = {};
    for (const [role, pid] of Object.entries(pids)) processes[role] = pid === undefined ? undefined : treeCost(pid);
    return { at: Date.now(), processes, database: await this.database.counters(), benchCpuMs: benchCpuMs() };
  }

  /** What the system costs while nothing is due, per second: also a check that the machine is quiet. */
  async idle(ms: number): Promise<Record<string, number>> {
    const before = await this.snapshot();
    await new Promise((r) => setTimeout(r, ms));
    const d = delta(before, await this.snapshot());
    const perSecond = (n: number) => round((n * 1000) / d.ms);
    return Object.fromEntries([
      ...Object.entries(d.cpuMs).map(([role, cpu]) => [`${role}_cpu_ms_per_s`, perSecond(cpu)]),
      ...Object.entries(d.database).map(([name, n]) => [`database_${name}_per_s`, perSecond(n)]),
    ]);
  }
}

export function delta(before: Snapshot, after: Snapshot, excluded: Record<string, number> = {}): Delta {
  const cpuMs: Record<string, number> = {};
  const unmeasured: string[] = [];
  let writeBytes = 0;
  for (const [role, end] of Object.entries(after.processes)) {
    const start = before.processes[role];
    if (!start || !end) {
      unmeasured.push(role);
      continue;
    }
    cpuMs[role] = end.cpuMs - start.cpuMs;
    writeBytes += end.writeBytes - start.writeBytes;
  }
  const database: Record<string, number> = {};
  for (const [name, n] of Object.entries(after.database)) database[name] = n - (before.database[name] ?? 0);
  return {
    ms: after.at - before.at,
    cpuMs,
    writeBytes,
    database,
    excludedCpuMs: { bench: after.benchCpuMs - before.benchCpuMs, ...excluded },
    unmeasured,
  };
}

function addUp(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a };
  for (const [k, n] of Object.entries(b)) sum[k] = (sum[k] ?? 0) + n;
  return sum;
}

/** Two phases of the same timers (a burst's creation and its firing) as one. */
export function sum(a: Delta, b: Delta): Delta {
  return {
    ms: a.ms + b.ms,
    cpuMs: addUp(a.cpuMs, b.cpuMs),
    writeBytes: a.writeBytes + b.writeBytes,
    database: addUp(a.database, b.database),
    excludedCpuMs: addUp(a.excludedCpuMs, b.excludedCpuMs),
    unmeasured: [...new Set([...a.unmeasured, ...b.unmeasured])],
  };
}

export function perTimer(d: Delta, timers: number): PhaseCost {
  const per1000 = (ms: number) => round((ms * 1000) / timers);
  const cpu = Object.fromEntries(Object.entries(d.cpuMs).map(([role, ms]) => [role, per1000(ms)]));
  const total = Object.values(d.cpuMs).reduce((a, b) => a + b, 0);
  return {
    timers,
    seconds: round(d.ms / 1000, 2),
    cpu_ms_per_1000: { ...cpu, total: per1000(total) },
    disk_bytes_per_timer: round(d.writeBytes / timers, 0),
    database_per_timer: Object.fromEntries(Object.entries(d.database).map(([k, n]) => [k, round(n / timers, 2)])),
    excluded_cpu_ms_per_1000: Object.fromEntries(Object.entries(d.excludedCpuMs).map(([k, ms]) => [k, per1000(ms)])),
    ...(d.unmeasured.length ? { unmeasured: d.unmeasured } : {}),
  };
}
