/**
 * The coalescer's queue on its own, with a flush the test completes by hand: what
 * goes out together, and what an abort takes out (the database side of coalesced
 * creates is in store.test.ts, the api's deadline in timer-api's outage.test.ts).
 */
import { Coalescer } from '../src/coalescer';

function manualFlush() {
  const flushes: { items: string[]; done: () => void; fail: (err: Error) => void }[] = [];
  const flush = (items: string[]) =>
    new Promise<void>((resolve, reject) => {
      flushes.push({ items, done: resolve, fail: reject });
    });
  return { flushes, flush };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('Coalescer', () => {
  it('sends what arrives in one turn together, and what arrives while flushes run in the next', async () => {
    const { flushes, flush } = manualFlush();
    const c = new Coalescer(flush, { maxBatch: 10, maxConcurrent: 2 });
    const added = ['a', 'b', 'c'].map((x) => c.add(x));
    expect(flushes).toHaveLength(0);
    await settle();
    added.push(c.add('d'));
    await settle();
    added.push(c.add('e'), c.add('f'));
    await settle();
    expect(flushes.map((f) => f.items)).toEqual([['a', 'b', 'c'], ['d']]);
    flushes[0].done();
    await settle();
    expect(flushes.map((f) => f.items)).toEqual([['a', 'b', 'c'], ['d'], ['e', 'f']]);
    flushes[1].done();
    flushes[2].done();
    await expect(Promise.all(added)).resolves.toBeDefined();
  });

  it('rejects every item of a failed flush with its error, and goes on with the next', async () => {
    const { flushes, flush } = manualFlush();
    const c = new Coalescer(flush, { maxBatch: 10, maxConcurrent: 1 });
    const first = c.add('a');
    await settle();
    const waiting = [c.add('b'), c.add('c')];
    flushes[0].fail(new Error('lost the connection'));
    await expect(first).rejects.toThrow('lost the connection');
    await settle();
    expect(flushes[1].items).toEqual(['b', 'c']);
    flushes[1].done();
    await expect(Promise.all(waiting)).resolves.toBeDefined();
  });

  it('never sends an item aborted while it waits, and rejects it with the reason', async () => {
    const { flushes, flush } = manualFlush();
    const c = new Coalescer(flush, { maxBatch: 10, maxConcurrent: 1 });
    const first = c.add('a');
    await settle();
    const abort = new AbortController();
    const aborted = c.add('b', abort.signal);
    const kept = c.add('c');
    abort.abort(new Error('deadline'));
    flushes[0].done();
    await first;
    await expect(aborted).rejects.toThrow('deadline');
    expect(flushes.map((f) => f.items)).toEqual([['a'], ['c']]);
    flushes[1].done();
    await expect(kept).resolves.toBeUndefined();
  });

  it('drops an item aborted in the turn it arrived, before its first flush', async () => {
    const { flushes, flush } = manualFlush();
    const c = new Coalescer(flush, { maxBatch: 10, maxConcurrent: 1 });
    const abort = new AbortController();
    const aborted = c.add('a', abort.signal);
    abort.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    expect(flushes).toHaveLength(0);
  });

  it('keeps an item whose flush has started, whatever its signal says after', async () => {
    const { flushes, flush } = manualFlush();
    const c = new Coalescer(flush, { maxBatch: 10, maxConcurrent: 1 });
    const abort = new AbortController();
    const added = c.add('a', abort.signal);
    await settle();
    abort.abort(new Error('too late'));
    flushes[0].done();
    await expect(added).resolves.toBeUndefined();
  });

  it('refuses an item whose signal is already aborted', async () => {
    const { flushes, flush } = manualFlush();
    const c = new Coalescer(flush, { maxBatch: 10, maxConcurrent: 1 });
    await expect(c.add('a', AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    await settle();
    expect(flushes).toHaveLength(0);
  });

  it('sends at most maxBatch items a flush', async () => {
    const { flushes, flush } = manualFlush();
    const c = new Coalescer(flush, { maxBatch: 2, maxConcurrent: 1 });
    const added = ['a', 'b', 'c', 'd', 'e'].map((x) => c.add(x));
    await settle();
    for (let i = 0; i < 3; i++) {
      flushes[i].done();
      await settle();
    }
    expect(flushes.map((f) => f.items)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    await expect(Promise.all(added)).resolves.toBeDefined();
  });
});
