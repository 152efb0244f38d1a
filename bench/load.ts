/**
 * HTTP load from a separate process: wrk when it is installed (light on CPU, so
 * it takes less of the two cores from what is measured), else autocannon from
 * node_modules. Both report requests per second and latency percentiles.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LoadResult {
  tool: 'wrk' | 'autocannon';
  requests_per_second: number;
  latency_ms: { p50: number; p99: number };
  non_2xx: number;
  errors: number;
  total: number;
}

export interface LoadOptions {
  url: string;
  body?: string;
  connections: number;
  durationS: number;
}

/** BENCH_LOAD_TOOL=autocannon forces the fallback (to compare, or to test it). */
function hasWrk(): boolean {
  if (process.env.BENCH_LOAD_TOOL === 'autocannon') return false;
  return ['/usr/bin/wrk', '/usr/local/bin/wrk'].some((p) => existsSync(p));
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  return hasWrk() ? wrk(options) : autocannon(options);
}

async function wrk({ url, body, connections, durationS }: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-wrk-'));
  const script = path.join(dir, 'post.lua');
  // Counts non-2xx answers, and prints them in the summary where this parser finds them.
  writeFileSync(
    script,
    `${body === undefined ? '' : `wrk.method = "POST"\nwrk.body = [[${body}]]\nwrk.headers["Content-Type"] = "application/json"\n`}
local bad = 0
response = function(status, headers, body) if status < 200 or status > 299 then bad = bad + 1 end end
done = function(summary, latency, requests) end
`,
  );
  const { stdout } = await run('wrk', ['-t2', `-c${connections}`, `-d${durationS}s`, '--latency', '-s', script, url], {
    maxBuffer: 1 << 20,
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const total = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    tool: 'wrk',
    requests_per_second: Math.round(rps),
    latency_ms: { p50: wrkPercentile(stdout, '50%'), p99: wrkPercentile(stdout, '99%') },
    non_2xx: non2xx,
    errors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    total,
  };
}

function wrkPercentile(stdout: string, label: string): number {
  const m = new RegExp(`\\s${label.replace('%', '%')}\\s+([\\d.]+)(us|ms|s)`).exec(stdout);
  if (!m) return NaN;
  const value = Number(m[1]);
  return Math.round((m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value) * 100) / 100;
}

async function autocannon({ url, body, connections, durationS }: LoadOptions): Promise<LoadResult> {
  const bin = path.join(__dirname, ...Array(3).fill('..'), 'node_modules', '.bin', 'autocannon');
  const args = ['--json', '-c', String(connections), '-d', String(durationS)];
  if (body !== undefined) args.push('-m', 'POST', '-H', 'content-type=application/json', '-b', body);
  const { stdout } = await run(existsSync(bin) ? bin : 'autocannon', [...args, url], { maxBuffer: 1 << 24 });
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    tool: 'autocannon',
    requests_per_second: Math.round(r.requests.average),
    latency_ms: { p50: r.latency.p50, p99: r.latency.p99 },
    non_2xx: r.non2xx,
    errors: r.errors,
    total: r.requests.total,
  };
}

/**
 * A create run's figures: the rate and latency the load tool saw, and whether
 * every 201 it counted has its row. The tool cuts requests in flight at the end:
 * those rows exist without a counted 201, so only a shortfall of rows counts.
 */
export function createFigures(load: LoadResult, rowsWritten: number) {
  const acknowledged = load.total - load.non_2xx - load.errors;
  return {
    creates_per_second: load.requests_per_second,
    latency_ms: load.latency_ms,
    non_2xx: load.non_2xx,
    errors: load.errors,
    rows_written: rowsWritten,
    acknowledged_but_missing: Math.max(0, acknowledged - rowsWritten),
    load_tool: load.tool,
  };
}
