/**
 * `npm run bench [-- --quick] [scenario …]`: runs the benchmark scenarios one after
 * another and prints one JSON line per scenario.
 */
import type { Scenario } from './common';
import { fleet } from './scenarios/fleet';

const SCENARIOS: Record<string, Scenario> = { fleet };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !SCENARIOS[n]);
  if (unknown.length) {
    process.stderr.write(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${Object.keys(SCENARIOS).join(', ')}\n`);
    process.exit(2);
  }
  let failed = false;
  for (const name of names.length ? names : Object.keys(SCENARIOS)) {
    const started = Date.now();
    const result = await SCENARIOS[name]({ quick });
    process.stdout.write(`${JSON.stringify({ ...result, quick, wall_s: Math.round((Date.now() - started) / 1000) })}\n`);
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
