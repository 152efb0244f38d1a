/**
 * peers: this service on MariaDB beside BullMQ (on the machine's Redis, which
 * keeps nothing on disk, and on a redis-server that fsyncs every write) and
 * pg-boss (PostgreSQL, synchronous_commit on), each behind the same Express
 * `POST /timers` front and the same receiver, through the same burst and steady
 * workloads and the same cost measurement (../workload.ts). Each peer gets its
 * best settings, stated in `settings`.
 *
 * The goals, as ratios from this one run: our burst drain rate at least twice the
 * best peer's, our steady p99 at most 10 ms, and our total CPU per timer (every
 * process, the database server included) at most BullMQ's per job.
 */
import os from 'node:os';
import type { BenchOptions } from '../common';
import { round } from '../common';
import { bullmq } from '../systems/bullmq';
import { oursMariadb } from '../systems/ours';
import { pgboss } from '../systems/pgboss';
import { lostOrDuplicated, measureAll, Measured } from '../workload';

const OURS = 'ours-mariadb';

export async function peers({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  const loadavg = os.loadavg()[0];
  const systems = await measureAll([oursMariadb(), bullmq('machine'), bullmq('fsynced'), pgboss()], quick);
  return {
    scenario: 'peers',
    machine: { cores: os.cpus().length, loadavg_1m_at_start: round(loadavg, 2) },
    comparison: Object.entries(systems).map(([name, s]) => ({
      system: name,
      burst_fires_per_second: s.burst.fires_per_second,
      steady_lateness_ms: s.steady.lateness_ms,
      steady_achieved_create_rate: s.steady.achieved_create_rate,
      cpu_ms_per_1000: {
        burst: s.burst.cost.created_and_fired.cpu_ms_per_1000.total,
        steady: s.steady.cost.created_and_fired.cpu_ms_per_1000.total,
      },
      disk_bytes_per_timer: {
        burst: s.burst.cost.created_and_fired.disk_bytes_per_timer,
        steady: s.steady.cost.created_and_fired.disk_bytes_per_timer,
      },
    })),
    goals: goals(systems),
    systems,
    ...lostOrDuplicated(Object.values(systems)),
  };
}

function goals(systems: Record<string, Measured>) {
  const ours = systems[OURS];
  const others = Object.entries(systems).filter(([name]) => name !== OURS);
  const [bestPeer, best] = others.reduce((a, b) => (b[1].burst.fires_per_second > a[1].burst.fires_per_second ? b : a));
  const burstRatio = round(ours.burst.fires_per_second / best.burst.fires_per_second, 2);
  const cpu = (s: Measured, w: 'burst' | 'steady') => s[w].cost.created_and_fired.cpu_ms_per_1000.total;
  const cpuRatios = Object.fromEntries(
    others
      .filter(([name]) => name.startsWith('bullmq'))
      .flatMap(([name, s]) =>
        (['burst', 'steady'] as const).map((w) => [`${w}_vs_${name}`, round(cpu(ours, w) / cpu(s, w), 2)]),
      ),
  );
  return {
    burst: { best_peer: bestPeer, ratio_to_best_peer: burstRatio, goal: '>= 2', met: burstRatio >= 2 },
    steady_p99: { ms: ours.steady.lateness_ms.p99, goal: '<= 10', met: ours.steady.lateness_ms.p99 <= 10 },
    cpu_per_timer: {
      ratios: cpuRatios,
      goal: '<= 1 (all processes, database included)',
      met: Object.values(cpuRatios).every((r) => (r as number) <= 1),
    },
  };
}
