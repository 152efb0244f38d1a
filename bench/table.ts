/**
 * `node table.js FILE`: the README's comparison and cost tables, in Markdown,
 * from the JSON lines of one `npm run bench` run (its `peers` and `cost` lines),
 * so that the Performance section is regenerated, not retyped.
 */
import { readFileSync } from 'node:fs';
import type { PhaseCost } from './meters/cost';
import type { Measured } from './workload';

interface Line {
  scenario: string;
  systems?: Record<string, Measured>;
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits });

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(head: string[], rows: string[][]): string {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
}

/** "api 310 + controller 420 + database 800 = 1,530". */
function cpu(c: PhaseCost): string {
  const { total, ...roles } = c.cpu_ms_per_1000;
  if (Object.keys(roles).length === 0) return '— (the bench process wrote them)';
  return `${Object.entries(roles)
    .map(([role, ms]) => `${role} ${fmt(ms)}`)
    .join(' + ')} = **${fmt(total)}**`;
}

function durability(s: Measured): string {
  const d = s.durability as Record<string, unknown>;
  if ('innodb_flush_log_at_trx_commit' in d)
    return `innodb_flush_log_at_trx_commit=${d.innodb_flush_log_at_trx_commit}`;
  if ('synchronous_commit' in d) return `synchronous_commit=${d.synchronous_commit}`;
  if ('appendonly' in d) return d.appendonly === 'yes' ? `appendfsync ${d.appendfsync}` : 'no persistence';
  return `synchronous=${d.synchronous}`;
}

function comparison(systems: Record<string, Measured>): string {
  return table(
    [
      'system',
      'durability',
      'burst: drain rate',
      'steady: lateness p50 / p99 / max',
      'CPU ms per 1,000 timers, steady',
      'CPU ms per 1,000, burst',
      'disk bytes per timer, steady',
    ],
    Object.entries(systems).map(([name, s]) => {
      const l = s.steady.lateness_ms;
      return [
        name,
        durability(s),
        `${fmt(s.burst.fires_per_second)} /s`,
        `${fmt(l.p50)} / ${fmt(l.p99)} / ${fmt(l.max)} ms (${fmt(s.steady.achieved_create_rate)}/s created)`,
        cpu(s.steady.cost.created_and_fired),
        fmt(s.burst.cost.created_and_fired.cpu_ms_per_1000.total),
        fmt(s.steady.cost.created_and_fired.disk_bytes_per_timer),
      ];
    }),
  );
}

/** "0.69 (insert 0.22, update 0.10, …)": MariaDB's counts; SQLite keeps none. */
function statements(db: Record<string, number>): string {
  if (db.statements === undefined) return '—';
  const kinds = ['select', 'insert', 'update', 'delete', 'commit'].filter((k) => db[k] > 0);
  const detail = kinds.map((k) => `${k} ${fmt(db[k], 2)}`).join(', ');
  return detail ? `${fmt(db.statements, 2)} (${detail})` : fmt(db.statements, 2);
}

function costs(systems: Record<string, Measured>): string {
  const phases = (s: Measured): Array<[string, PhaseCost]> => [
    ['steady 500/s', s.steady.cost.created_and_fired],
    ['burst, created + fired', s.burst.cost.created_and_fired],
    ['burst, created', s.burst.cost.create],
    ['burst, fired', s.burst.cost.fire],
  ];
  const rows = Object.entries(systems).flatMap(([name, s]) =>
    phases(s).map(([phase, c]) => {
      const db = c.database_per_timer;
      const engineBytes = (db.log_bytes ?? 0) + (db.data_bytes ?? 0) + (db.file_bytes ?? 0);
      return [name, phase, cpu(c), fmt(c.disk_bytes_per_timer), fmt(engineBytes), statements(db)];
    }),
  );
  return table(
    [
      'system',
      'load',
      'CPU ms per 1,000 timers',
      'disk bytes per timer (write_bytes)',
      "bytes per timer, engine's count",
      'statements per timer',
    ],
    rows,
  );
}

function main(): void {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: table.js FILE (the JSON lines of a bench run)\n');
    process.exit(2);
  }
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
  const peers = lines.find((l) => l.scenario === 'peers');
  const cost = lines.find((l) => l.scenario === 'cost');
  if (peers?.systems) process.stdout.write(`${comparison(peers.systems)}\n\n`);
  if (cost?.systems) process.stdout.write(`${costs(cost.systems)}\n`);
}

main();
