/**
 * cost: what a timer costs, for a burst and a steady load (see ../workload.ts) —
 * CPU per 1,000 timers created and fired for each process apart (api,
 * controller, database server; the embedded mode's one process), the bytes the
 * database wrote per timer by its own account and the kernel's, and the
 * statements per timer.
 *
 * `--baseline=DIR` also runs this scenario from DIR, an earlier checkout built
 * with `npm run build && npx tsc -p bench`, and reports before, after and their
 * ratio in the same run.
 *
 * The database servers are shared: their CPU and counters move with every
 * client, so the figures mean something only on a quiet machine (`idle` shows
 * what each process did while nothing was due).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BenchOptions } from '../common';
import { round } from '../common';
import { oursMariadb } from '../systems/ours';
import { oursSqlite } from '../systems/oursSqlite';
import { lostOrDuplicated, measureAll, Measured } from '../workload';

type Systems = Record<string, Measured>;

export async function cost({ quick, baseline }: BenchOptions): Promise<Record<string, unknown>> {
  const before = baseline ? await runBaseline(baseline, quick) : undefined;
  const loadavg = os.loadavg()[0];
  const systems = await measureAll([oursMariadb(), oursSqlite()], quick);
  return {
    scenario: 'cost',
    machine: { cores: os.cpus().length, loadavg_1m_at_start: round(loadavg, 2) },
    note: 'server-wide database counters and CPU: meaningful on a quiet machine only',
    systems,
    ...(before ? { baseline: { dir: baseline, ...before }, change: change(before.systems, systems) } : {}),
    ...lostOrDuplicated(Object.values(systems)),
  };
}

async function runBaseline(dir: string, quick: boolean): Promise<{ commit: string; systems: Systems }> {
  const script = path.join(dir, 'bench', 'dist', 'bench', 'run.js');
  if (!existsSync(script)) {
    throw new Error(
      `--baseline: ${script} is missing; build that checkout: npm ci && npm run build && npx tsc -p bench`,
    );
  }
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, [script, 'cost', ...(quick ? ['--quick'] : [])], {
    cwd: dir,
    maxBuffer: 16 << 20,
  });
  const line = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { scenario: string; systems: Systems })
    .find((l) => l.scenario === 'cost');
  if (!line) throw new Error(`--baseline: ${dir} printed no cost line`);
  const commit = (await run('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']).catch(() => ({ stdout: '?' }))).stdout;
  return { commit: commit.trim(), systems: line.systems };
}

/** After ÷ before for what the cutting is about: CPU, statements and bytes per timer. */
function change(before: Systems, after: Systems): Record<string, unknown> {
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? round(a / b, 2) : null);
  const out: Record<string, unknown> = {};
  for (const [name, now] of Object.entries(after)) {
    const then = before[name];
    if (!then) continue;
    for (const workload of ['burst', 'steady'] as const) {
      const a = now[workload].cost.created_and_fired;
      const b = then[workload].cost.created_and_fired;
      out[`${name}/${workload}`] = {
        cpu_total: ratio(a.cpu_ms_per_1000.total, b.cpu_ms_per_1000.total),
        disk_bytes: ratio(a.disk_bytes_per_timer, b.disk_bytes_per_timer),
        ...Object.fromEntries(
          Object.keys(a.database_per_timer).map((k) => [k, ratio(a.database_per_timer[k], b.database_per_timer[k])]),
        ),
      };
    }
  }
  return out;
}
