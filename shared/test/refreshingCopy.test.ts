/**
 * The in-memory copy of a small table (tenants' quotas and API keys on the api,
 * their signing secrets on the controller): when it reads again, when a reader waits, and
 * what a failed reload does. On the fake clock: no real time passes.
 */
import { PassThrough } from 'node:stream';
import { createLogger, createSilentLogger, RefreshingCopy } from '@timer/shared';
import { FakeClock } from '../../test/helpers/fakeClock';

function rig(load: (previous: number | null) => Promise<number>, logger = createSilentLogger()) {
  const clock = new FakeClock();
  const copy = new RefreshingCopy<number>({
    load,
    refreshMs: 1000,
    maxAgeMs: 5000,
    clock,
    logger,
    what: 'Test table',
  });
  return { clock, copy };
}

/** A table whose value the test sets, counting its reads. */
function countedTable() {
  const table = { value: 1, reads: 0 };
  const { clock, copy } = rig(() => {
    table.reads++;
    return Promise.resolve(table.value);
  });
  return { table, clock, copy };
}

describe('RefreshingCopy', () => {
  it('reads once for concurrent first readers and keeps the copy while it is fresh', async () => {
    let reads = 0;
    const { clock, copy } = rig(() => Promise.resolve(++reads));
    expect(await Promise.all([copy.get(), copy.get(), copy.get()])).toEqual([1, 1, 1]);
    await clock.advance(999);
    expect(await copy.get()).toBe(1);
    expect(reads).toBe(1);
  });

  it('lets the copy be looked at without reading the table, however old it is', async () => {
    let reads = 0;
    const { clock, copy } = rig(() => Promise.resolve(++reads));
    expect(copy.peek()).toBeNull();
    await copy.get();
    await clock.advance(60_000);

    expect(copy.peek()).toBe(1);
    expect(reads).toBe(1);
  });

  it('answers from the copy while a reload runs in the background, then from the new one', async () => {
    const { table, clock, copy } = countedTable();
    await copy.get();
    table.value = 2;
    await clock.advance(1000);
    expect(await copy.get()).toBe(1);
    await clock.advance(0);
    expect(await copy.get()).toBe(2);
    expect(table.reads).toBe(2);
  });

  it('gives the copy without a promise while it may be used, starting the reload it is due for', async () => {
    const { table, clock, copy } = countedTable();
    expect(copy.current()).toBeNull(); // nothing read yet: the caller must wait (get)
    expect(table.reads).toBe(0);
    await copy.get();
    table.value = 2;
    await clock.advance(999);
    expect(copy.current()).toBe(1);
    expect(table.reads).toBe(1);

    await clock.advance(1); // refreshMs old: still usable, and read again behind it
    expect(copy.current()).toBe(1);
    expect(table.reads).toBe(2);
    await clock.advance(0);
    expect(copy.current()).toBe(2);

    await clock.advance(5000); // past maxAgeMs: not to be used without reading again
    expect(copy.current()).toBeNull();
  });

  it('waits for the reload once the copy is older than the maximum age', async () => {
    let value = 1;
    const { clock, copy } = rig(() => Promise.resolve(value));
    await copy.get();
    value = 7;
    await clock.advance(5000);
    expect(await copy.get()).toBe(7);
  });

  it('keeps serving a copy whose background reload failed, and reads again on the next call', async () => {
    let fail = false;
    let reads = 0;
    const { clock, copy } = rig(() => {
      reads++;
      return fail ? Promise.reject(new Error('database down')) : Promise.resolve(reads);
    });
    await copy.get();
    fail = true;
    await clock.advance(1500);
    expect(await copy.get()).toBe(1);
    await clock.advance(0);
    expect(await copy.get()).toBe(1);
    expect(reads).toBe(3);
  });

  it('rethrows to a reader that must wait when the reload fails', async () => {
    let fail = false;
    const { clock, copy } = rig(() => (fail ? Promise.reject(new Error('database down')) : Promise.resolve(1)));
    await copy.get();
    fail = true;
    await clock.advance(6000);
    await expect(copy.get()).rejects.toThrow('database down');
    fail = false;
    expect(await copy.get()).toBe(1);
  });

  it('hands the previous copy to the loader', async () => {
    const seen: (number | null)[] = [];
    const { clock, copy } = rig((previous) => {
      seen.push(previous);
      return Promise.resolve((previous ?? 0) + 10);
    });
    await copy.get();
    await clock.advance(6000);
    await copy.get();
    expect(seen).toEqual([null, 10]);
  });

  it('logs a failed reload once, however many readers came while it ran', async () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    let fail = false;
    let reads = 0;
    const { clock, copy } = rig(
      () => {
        reads++;
        return fail ? Promise.reject(new Error('database down')) : Promise.resolve(reads);
      },
      createLogger({ level: 'warn', service: 'test', stream }),
    );
    await copy.get();
    fail = true;
    await clock.advance(1500);
    // 200 readers while one reload runs: all answered from the copy.
    expect(await Promise.all(Array.from({ length: 200 }, () => copy.get()))).toEqual(Array(200).fill(1));
    await clock.advance(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toBe(2);
    expect(lines.filter((l) => l.includes('Test table could not be reloaded'))).toHaveLength(1);
  });
});
