/**
 * `npm run bench [-- --quick] [scenario …]`: measures the machine's ceilings, then
 * runs the scenarios one after another and prints one JSON line for each.
 * `--quick` shrinks every scenario (CI checks that nothing is lost or duplicated,
 * not the speed).
 */
import type { BenchOptions } from './common';
import { Ceilings, measureCeilings } from './scenarios/ceilings';
import { clients } from './scenarios/clients';
import { create } from './scenarios/create';
import { burst, controllers, logging } from './scenarios/burst';
import { steady } from './scenarios/steady';
import { scale } from './scenarios/scale';
import { fleet } from './scenarios/fleet';
import { sqlite } from './scenarios/sqlite';
import { nudge } from './scenarios/nudge';
import { heldMemory } from './scenarios/heldMemory';
import { cost } from './scenarios/cost';
import { flow } from './scenarios/flow';
import { peers } from './scenarios/peers';
import { batch } from './scenarios/batch';
import { encryption } from './scenarios/encryption';

/** `earlier`: the lines of the scenarios already run, by name, for ratios measured in the same run. */
type Scenario = (
  options: BenchOptions,
  ceilings: Ceilings,
  earlier: Record<string, Record<string, unknown>>,
) => Promise<Record<string, unknown>>;

const SCENARIOS: Record<string, Scenario> = {
  clients,
  create,
  burst,
  controllers,
  steady,
  scale,
  fleet,
  sqlite,
  nudge,
  logging,
  flow,
  batch,
  encryption,
  held_memory: heldMemory,
  // peers first: ours on MariaDB is measured beside the peers, and cost reuses that run.
  peers,
  cost,
};

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const baseline = args.find((a) => a.startsWith('--baseline='))?.slice('--baseline='.length);
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !SCENARIOS[n]);
  if (unknown.length) {
    process.stderr.write(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${Object.keys(SCENARIOS).join(', ')}\n`);
    process.exit(2);
  }
  const ceilings = await measureCeilings(quick);
  print({ scenario: 'ceilings', ...ceilings, quick });
  let failed = false;
  const earlier: Record<string, Record<string, unknown>> = {};
  for (const name of names.length ? names : Object.keys(SCENARIOS)) {
    const started = Date.now();
    const result = await SCENARIOS[name]({ quick, baseline }, ceilings, earlier);
    earlier[name] = result;
    print({ ...result, quick, wall_s: Math.round((Date.now() - started) / 1000) });
    if (Number(result.missing ?? 0) > 0 || Number(result.duplicates ?? 0) > 0) failed = true;
  }
  if (failed) {
    process.stderr.write('A scenario lost or duplicated timers.\n');
    process.exit(1);
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
