/**
 * What a process (with its children) has cost the machine, read from /proc: CPU
 * time (utime + stime, in clock ticks) and bytes sent to storage (write_bytes).
 *
 * A process tree is counted whole: every live member's own time plus the time of
 * the children it has reaped (cutime/cstime; the kernel adds a reaped child's I/O
 * to its parent likewise), so a PostgreSQL backend that exits mid-phase is still
 * counted, by its postmaster. Linux only.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of utime/stime (`getconf CLK_TCK`; 100 on Linux). */
export const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  ticks: number;
}

/** The fields after the command name, which may itself hold spaces and parentheses. */
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
  const [utime, stime, cutime, cstime] = [f[11], f[12], f[13], f[14]].map(Number);
  return { pid, ppid: Number(f[1]), ticks: utime + stime + cutime + cstime };
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The process and every live descendant. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function writeBytes(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/io`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('write_bytes:'));
    return Number(line?.split(':')[1] ?? 0);
  } catch {
    return 0;
  }
}

export interface ProcessCost {
  /** CPU time, ms. */
  cpuMs: number;
  /** Bytes the tree caused to be written to storage. */
  writeBytes: number;
}

/** The tree's cost so far; undefined when the root process is gone. */
export function treeCost(root: number): ProcessCost | undefined {
  if (!readStat(root)) return undefined;
  let ticks = 0;
  let bytes = 0;
  for (const pid of processTree(root)) {
    ticks += readStat(pid)?.ticks ?? 0;
    bytes += writeBytes(pid);
  }
  return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, writeBytes: bytes };
}

/**
 * The process listening on a local TCP port (the database server a URL names),
 * found by the socket's inode: /proc/net/tcp{,6} lists listening sockets, and a
 * process's fd links name the sockets it holds.
 */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let rows: string[];
    try {
      rows = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const row of rows) {
      const cols = row.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN.
      if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1].split(':')[1], 16) === port) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  // Forked children may hold the socket too (Redis's save child): the holder whose parent does not is the server.
  const holders = new Map<number, number>();
  for (const pid of allPids()) {
    if (holdsSocket(pid, inodes)) holders.set(pid, readStat(pid)?.ppid ?? 0);
  }
  return [...holders].find(([, ppid]) => !holders.has(ppid))?.[0];
}

function holdsSocket(pid: number, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      return m !== null && inodes.has(m[1]);
    } catch {
      return false;
    }
  });
}
