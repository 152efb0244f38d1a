/**
 * `npm run chaos [-- --quick] [--seed N] [--shared-db] [--dump FILE]`: one fault campaign
 * against one api and three controllers; prints one JSON line and exits
 * non-zero when a promise of the delivery guarantee was broken. See README,
 * "Guarantees under fire".
 */
import { writeFileSync } from 'node:fs';
import { runCampaign } from './campaign';
import { PLANS } from './plan';
import { summarize } from './summary';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const plan = { ...PLANS[args.includes('--quick') ? 'quick' : 'full'], seed: Number(option(args, '--seed') ?? 1) };
  const started = Date.now();
  const observations = await runCampaign(plan, args.includes('--shared-db'));
  const { summary, failures, warnings } = summarize(observations);
  const dump = option(args, '--dump');
  if (dump) {
    // The raw records behind the summary, for looking into a failure.
    const { fleet, server, ...raw } = observations;
    const logs = fleet.processes.map((p) => p.logs);
    writeFileSync(
      dump,
      JSON.stringify({ ...raw, logs, unexpectedExits: fleet.unexpectedExits, database: server.description }),
    );
  }
  process.stdout.write(
    `${JSON.stringify({ ...summary, seed: plan.seed, wall_s: Math.round((Date.now() - started) / 1000) })}\n`,
  );
  if (warnings.length > 0) process.stderr.write(`Warnings:\n  - ${warnings.join('\n  - ')}\n`);
  if (failures.length > 0) {
    process.stderr.write(`The campaign broke the delivery guarantee:\n  - ${failures.join('\n  - ')}\n`);
    process.exit(1);
  }
  process.exit(0);
}

// Interrupted: exit through process.exit, so the 'exit' handlers stop the database and the services.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
