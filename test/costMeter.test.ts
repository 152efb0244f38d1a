/**
 * The bench's cost measurement (bench/meters): what /proc says a process tree
 * cost, which process serves a port, and how snapshots become per-timer figures.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { delta, perTimer, Snapshot, sum } from '../bench/meters/cost';
import { pidListeningOn, treeCost } from '../bench/meters/proc';

function snapshot(at: number, processes: Snapshot['processes'], database: Record<string, number>): Snapshot {
  return { at, processes, database, benchCpuMs: 0 };
}

describe('a process tree’s cost', () => {
  it('counts the CPU of children that have exited', () => {
    const before = treeCost(process.pid)!;
    // A child that burns about 300 ms of CPU, then is reaped by this process.
    // Spins until it has used 300 ms of CPU itself, however busy the machine (wall time would not be).
    execFileSync(process.execPath, [
      '-e',
      'const s = process.cpuUsage(); const used = () => { const u = process.cpuUsage(s); return u.user + u.system; }; while (used() < 300000);',
    ]);
    const after = treeCost(process.pid)!;
    expect(after.cpuMs - before.cpuMs).toBeGreaterThanOrEqual(200);
  });

  it('is undefined for a process that is gone', () => {
    expect(treeCost(2 ** 22 + 1)).toBeUndefined();
  });
});

describe('the process serving a port', () => {
  it('is the one holding the listening socket', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      expect(pidListeningOn((server.address() as net.AddressInfo).port)).toBe(process.pid);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('a phase’s cost per timer', () => {
  const start = snapshot(
    0,
    { controller: { cpuMs: 100, writeBytes: 0 }, database: { cpuMs: 1000, writeBytes: 5000 }, api: undefined },
    { statements: 10, log_bytes: 100 },
  );
  const end = snapshot(
    2000,
    { controller: { cpuMs: 600, writeBytes: 0 }, database: { cpuMs: 1250, writeBytes: 25_000 }, api: undefined },
    { statements: 30, log_bytes: 10_100 },
  );

  it('gives CPU per 1,000 timers by role and in total, and bytes and statements per timer', () => {
    expect(perTimer(delta(start, end), 10)).toEqual({
      timers: 10,
      seconds: 2,
      cpu_ms_per_1000: { controller: 50_000, database: 25_000, total: 75_000 },
      disk_bytes_per_timer: 2000,
      database_per_timer: { statements: 2, log_bytes: 1000 },
      excluded_cpu_ms_per_1000: { bench: 0 },
      unmeasured: ['api'],
    });
  });

  it('adds two phases of the same timers together', () => {
    const both = perTimer(sum(delta(start, end), delta(start, end)), 10);
    expect(both.cpu_ms_per_1000.total).toBe(150_000);
    expect(both.database_per_timer.statements).toBe(4);
  });
});
