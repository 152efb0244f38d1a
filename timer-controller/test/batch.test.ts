/**
 * The outcome batch on the fake clock: what comes within the window is one
 * write; no more than two of its writes are under way at once, and what comes
 * meanwhile goes, as one larger write, as soon as one ends; a full batch and a
 * drain write at once.
 */
import type { ClaimRef } from '@timer/shared';
import { Batch } from '../src/fenced/batch';
import { FakeClock } from '../../test/helpers/fakeClock';

const claim = (n: number): ClaimRef => ({ id: `t${n}`, leaseToken: 1 }) as ClaimRef;

function rig(maxSize = 500) {
  const clock = new FakeClock();
  const writes: Array<{ ids: string[]; done: () => void }> = [];
  const batch = new Batch(clock, 20, maxSize, (claims) => {
    return new Promise<void>((resolve) => writes.push({ ids: claims.map((c) => c.id), done: resolve }));
  });
  const sizes = () => writes.map((w) => w.ids.length);
  return { clock, batch, writes, sizes };
}

it('writes what came within the window as one write', async () => {
  const { clock, batch, sizes } = rig();
  for (let i = 0; i < 30; i++) batch.add(claim(i));
  await clock.advance(19);
  expect(sizes()).toEqual([]);
  await clock.advance(1);
  expect(sizes()).toEqual([30]);
  expect(batch.size).toBe(0);
});

it('keeps at most two writes under way; what waits goes as one write when one ends', async () => {
  const { clock, batch, writes, sizes } = rig();
  batch.add(claim(1));
  await clock.advance(20);
  batch.add(claim(2));
  await clock.advance(20);
  for (let i = 3; i < 103; i++) batch.add(claim(i));
  await clock.advance(20);
  expect(sizes()).toEqual([1, 1]);
  expect(batch.ids()).toHaveLength(100);

  writes[0].done();
  await clock.advance(0);
  expect(sizes()).toEqual([1, 1, 100]);
  expect(batch.size).toBe(0);
});

it('writes a full batch at once, in writes of at most its size', async () => {
  const { clock, batch, writes, sizes } = rig(10);
  for (let i = 0; i < 10; i++) batch.add(claim(i));
  expect(sizes()).toEqual([10]);
  for (let i = 10; i < 20; i++) batch.add(claim(i));
  expect(sizes()).toEqual([10, 10]);
  for (let i = 20; i < 45; i++) batch.add(claim(i));
  expect(sizes()).toEqual([10, 10]);
  writes[0].done();
  writes[1].done();
  await clock.advance(0);
  expect(sizes()).toEqual([10, 10, 10, 10]);
  expect(batch.size).toBe(5);
});

it('drain writes everything at once, whatever is under way', async () => {
  const { clock, batch, sizes } = rig(10);
  for (let i = 0; i < 20; i++) batch.add(claim(i));
  for (let i = 20; i < 45; i++) batch.add(claim(i));
  batch.flush(true);
  await clock.advance(0);
  expect(sizes()).toEqual([10, 10, 10, 10, 5]);
});

it('after a write ends, what came meanwhile still waits for its own window when nothing was held back', async () => {
  const { clock, batch, writes, sizes } = rig();
  batch.add(claim(1));
  await clock.advance(20);
  batch.add(claim(2));
  writes[0].done();
  await clock.advance(0);
  // One write under way ended; the second claim is not written early, in a write of its own.
  expect(sizes()).toEqual([1]);
  await clock.advance(20);
  expect(sizes()).toEqual([1, 1]);
});
