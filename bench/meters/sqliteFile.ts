/**
 * An embedded SQLite file: what it stores is the growth of the file and its WAL.
 * The WAL is rewritten from its start after each checkpoint, so growth is what
 * stays on disk, not what was written: the process holding the file reports the
 * bytes it wrote (write_bytes) as its own cost.
 */
import { statSync } from 'node:fs';
import type { DatabaseMeter } from './database';

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** `durability`: the pragmas a connection opened the way the service opens it reported (journal_mode, synchronous). */
export function sqliteFileMeter(file: string, durability: Record<string, unknown>): DatabaseMeter {
  return {
    name: 'sqlite',
    pid: undefined,
    counters: async () => ({ file_bytes: size(file) + size(`${file}-wal`) }),
    durability: async () => durability,
    close: async () => undefined,
  };
}
