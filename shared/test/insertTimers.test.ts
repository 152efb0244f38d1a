/**
 * insertTimers sends a batch's statements (its slices of timers, then its label
 * rows) together on the transaction's connection: every row is stored, or none,
 * whichever statement fails, and nothing is left running on the transaction.
 * On both databases the store speaks to.
 */
import { v7 as uuidv7 } from 'uuid';
import type { NewTimer } from '@timer/shared';
import { AtRest } from '../src/crypto/atRest';
import { insertTimers } from '../src/timers/sql/insertTimers';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { newTimer } from '../../test/helpers/timers';

const URL = 'http://127.0.0.1:9/hooks';

describe.each(DIALECTS)('a batch of timers on %s', (dialect) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('insert_timers', {}, dialect);
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    await t.db.raw('DELETE FROM timer_labels');
    await t.db.raw('DELETE FROM timers');
  });

  function labelled(count: number, labels: (i: number) => Record<string, string>): NewTimer[] {
    return Array.from({ length: count }, (_, i) => ({ ...newTimer(URL, 60_000), labels: labels(i) }));
  }

  async function counts(): Promise<{ timers: number; labels: number }> {
    const [timers] = await t.db('timers').count({ n: '*' });
    const [labels] = await t.db('timer_labels').count({ n: '*' });
    return { timers: Number(timers.n), labels: Number(labels.n) };
  }

  it('stores every timer and label row of a batch over one slice', async () => {
    const timers = labelled(2_500, (i) => ({ part: String(i % 3), row: String(i) }));
    await t.store.timers.createBatch(timers);
    expect(await counts()).toEqual({ timers: 2_500, labels: 5_000 });
    const rows = await t.db('timer_labels').where({ label: 'row:2499' }).select('timer_id');
    expect(rows).toEqual([{ timer_id: timers[2_499].id }]);
  });

  it("writes each row's own values when a column is NULL in some rows of the slice and set in others", async () => {
    const plain = newTimer(URL, 60_000);
    const full: NewTimer = {
      ...newTimer(URL, 60_000),
      retry: { maxAttempts: 3, baseMs: 100, maxMs: 1000 },
      maxLatenessSeconds: 30,
      callbacks: { onSuccess: 'http://127.0.0.1:9/ok' },
      trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'a=1' },
      labels: { kind: 'full' },
    };
    await t.store.timers.createBatch([plain, full, newTimer(URL, 60_000)]);
    const [a, b] = await Promise.all([t.store.timers.find(plain.id, null), t.store.timers.find(full.id, null)]);
    expect(a).toMatchObject({ retry: { maxAttempts: null, baseMs: null, maxMs: null }, maxLatenessSeconds: null });
    expect(a).toMatchObject({ callbacks: {}, trace: null, labels: {} });
    expect(b).toMatchObject({
      retry: full.retry,
      maxLatenessSeconds: 30,
      callbacks: full.callbacks,
      labels: full.labels,
    });
    expect(b?.trace).toEqual(full.trace);
  });

  it('stores nothing when the timers statement fails: no label rows either', async () => {
    const taken = uuidv7();
    await t.store.timers.createBatch([newTimer(URL, 60_000, taken)]);
    const timers = labelled(10, (i) => ({ row: String(i) }));
    timers[5] = { ...timers[5], id: taken };
    await expect(t.store.timers.createBatch(timers)).rejects.toThrow();
    expect(await counts()).toEqual({ timers: 1, labels: 0 });
  });

  it('stores no timer when the label rows fail after the timers were written', async () => {
    // A label term over the column's 200 characters: refused by the second statement only.
    const timers = labelled(1_500, (i) => ({ row: i === 1_499 ? 'x'.repeat(300) : String(i) }));
    await expect(t.store.timers.createBatch(timers)).rejects.toThrow();
    expect(await counts()).toEqual({ timers: 0, labels: 0 });
    // The pool is whole: the next batch goes in.
    await t.store.timers.createBatch(labelled(3, (i) => ({ row: String(i) })));
    expect(await counts()).toEqual({ timers: 3, labels: 3 });
  });

  it("leaves nothing running on the caller's transaction after a failed statement", async () => {
    const taken = uuidv7();
    await t.store.timers.createBatch([newTimer(URL, 60_000, taken)]);
    const timers = labelled(1_200, (i) => ({ row: String(i) }));
    timers[0] = { ...timers[0], id: taken };
    await expect(
      t.db.transaction(async (trx) => {
        await insertTimers(trx, 5000, AtRest.none(), timers).catch(async (err: unknown) => {
          // Every statement has finished: the transaction answers the next query at once.
          await trx.raw('SELECT 1');
          throw err;
        });
      }),
    ).rejects.toThrow();
    expect(await counts()).toEqual({ timers: 1, labels: 0 });
  });
});
