/**
 * Flow control in the store, on both databases: the ordinary claim parks the due
 * timers of a configured flow instead of claiming them; a flow's claim takes only
 * what its parallelism and rate allow, oldest first, and nothing while paused;
 * slots come back when their leases end. The flow claim's query plan is checked
 * on MariaDB.
 */
import { ClaimedTimer, ClaimGate, FlowClaim, select } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { newTimer } from '../../test/helpers/timers';

const URL = 'http://127.0.0.1:9/hooks';
const OTHER = 'http://127.0.0.2:9/hooks';
const ORIGIN = 'http://127.0.0.1:9';
const LEASE = { owner: 'ctl-1', leaseMs: 30_000 };

describe.each(DIALECTS)('flows on %s', (dialect) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('flows', {}, dialect);
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    await t.db.raw('DELETE FROM timers');
    await t.db.raw('DELETE FROM flows');
    await t.db.raw('DELETE FROM flow_leases');
    await t.db.raw('DELETE FROM timer_labels');
  });

  /** `count` timers of `url`, due `msAgo`, `msAgo - 1`, … ago (the first is the oldest), in the default tenant. */
  async function createDue(count: number, url = URL, msAgo = 5000): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const timer = { ...newTimer(url, -(msAgo - i)), tenant: 'default', flowKey: null };
      ids.push(timer.id);
      await t.store.timers.create(timer);
    }
    return ids;
  }

  const gateFor = (id: number): ClaimGate => ({
    flowOf: (tenant, key) => (tenant === 'default' && key === ORIGIN ? id : undefined),
    blockOf: () => undefined,
    probeMs: 1000,
  });

  async function flowId(key = ORIGIN): Promise<number> {
    return (await t.store.flows.list()).find((f) => f.key === key)!.id;
  }

  async function parkAll(): Promise<number> {
    const id = await flowId();
    const batch = await t.store.claims.claimDueParking(
      { owner: 'ctl-1', limit: 100, leaseMs: 30_000, lookaheadMs: 0 },
      gateFor(id),
    );
    return batch.parked;
  }

  async function claimFlow(limit = 100): Promise<FlowClaim<ClaimedTimer>> {
    return t.store.flows.claim({ flowId: await flowId(), limit, ...LEASE });
  }

  it('the ordinary claim parks the due timers of a configured flow and claims the others', async () => {
    await t.store.flows.put('default', ORIGIN, { parallelism: 2, rate: null, burst: null });
    const limited = await createDue(3);
    const free = await createDue(2, OTHER);

    const id = await flowId();
    const batch = await t.store.claims.claimDueParking(
      { owner: 'ctl-1', limit: 100, leaseMs: 30_000, lookaheadMs: 0 },
      gateFor(id),
    );

    expect(batch.parked).toBe(3);
    expect(batch.timers.map((c) => c.id).sort()).toEqual([...free].sort());
    const rows = await select<{ id: string; status: string; due_at: unknown; flow_id: number }>(
      t.db,
      5000,
      `SELECT id, status, due_at, flow_id FROM timers WHERE id IN (?, ?, ?)`,
      limited,
    );
    expect(rows.every((r) => r.status === 'pending' && r.due_at === null && Number(r.flow_id) === id)).toBe(true);
    // Parked timers are out of the ordinary claim's way for good.
    expect(await t.store.claims.claimDue({ owner: 'ctl-2', limit: 100, leaseMs: 30_000, lookaheadMs: 0 })).toEqual([]);
  });

  it('a flow claim takes up to its parallelism, oldest first, and more once slots are freed', async () => {
    await t.store.flows.put('default', ORIGIN, { parallelism: 2, rate: null, burst: null });
    const ids = await createDue(5);
    await parkAll();

    const first = await claimFlow();
    expect(first.timers.map((c) => c.id)).toEqual(ids.slice(0, 2));
    expect(first.timers.every((c) => c.flowId !== null && c.attempt === 1)).toBe(true);
    expect(first.stoppedBy).toBe('parallelism');
    expect((await claimFlow()).timers).toEqual([]);
    expect(await t.store.flows.find('default', ORIGIN)).toMatchObject({ inFlight: 2, waiting: 3 });

    await t.store.flows.endLeases([first.timers[0].id]);
    const next = await claimFlow();
    expect(next.timers.map((c) => c.id)).toEqual([ids[2]]);
  });

  it("a flow claim spends its rate's tokens: the burst at once, then none until they refill", async () => {
    await t.store.flows.put('default', ORIGIN, { parallelism: null, rate: 1, burst: 3 });
    await createDue(5);
    await parkAll();

    const first = await claimFlow();
    expect(first.timers).toHaveLength(3);
    expect(first.stoppedBy).toBe('rate');
    const second = await claimFlow();
    expect(second.timers).toHaveLength(0);
    expect(second.stoppedBy).toBe('rate');
    // One token a second: the next batch (half the burst, at least one) in about a second.
    expect(second.nextTokenMs).toBeGreaterThan(500);
    expect(second.nextTokenMs).toBeLessThanOrEqual(1000);
  });

  it("an origin's failures count in a row, by the count given; a heal says whether it closed the breaker", async () => {
    await t.db.raw('DELETE FROM origins');
    const breaker = { threshold: 5, openMs: 60_000 };
    expect(await t.store.flows.failed(ORIGIN, breaker, 3)).toBe(false);
    // A heal with the breaker shut resets the count and closes nothing.
    expect(await t.store.flows.healed(ORIGIN)).toBe(false);
    expect(await t.store.flows.failed(ORIGIN, breaker, 4)).toBe(false);
    expect(await t.store.flows.originBlock(ORIGIN)).toBeNull();
    expect(await t.store.flows.failed(ORIGIN, breaker)).toBe(true);
    expect(await t.store.flows.originBlock(ORIGIN)).toMatchObject({ reason: 'breaker', probe: false });
    expect(await t.store.flows.healed(ORIGIN)).toBe(true);
    expect(await t.store.flows.originBlock(ORIGIN)).toBeNull();
  });

  it('a paused flow claims nothing; after the resume it goes on, oldest first', async () => {
    await t.store.flows.setPaused('default', ORIGIN, true);
    const ids = await createDue(3);
    await parkAll();

    expect(await claimFlow()).toMatchObject({ timers: [], stoppedBy: 'paused' });
    const timer = await t.store.timers.find(ids[0]);
    expect(timer).toMatchObject({ status: 'pending', waiting: 'paused' });

    await t.store.flows.setPaused('default', ORIGIN, false);
    expect((await claimFlow()).timers.map((c) => c.id)).toEqual(ids);
  });

  it('a parked timer can be canceled, and its flow never claims it', async () => {
    await t.store.flows.put('default', ORIGIN, { parallelism: 5, rate: null, burst: null });
    const [id] = await createDue(1);
    await parkAll();

    expect((await t.store.timers.cancel(id, { from: 'pending', version: 1 })).outcome).toBe('canceled');
    expect((await claimFlow()).timers).toEqual([]);
    expect(await flowDueAt(id)).toBeNull();
    expect(await t.store.flows.find('default', ORIGIN)).toMatchObject({ waiting: 0 });
  });

  it('a cancel by label clears what its parked timers hold in their flow', async () => {
    await t.store.flows.put('default', ORIGIN, { parallelism: 5, rate: null, burst: null });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const timer = { ...newTimer(URL, -(5000 - i)), flowKey: null, labels: { batch: i < 2 ? 'b1' : 'b2' } };
      ids.push(timer.id);
      await t.store.timers.create(timer);
    }
    await parkAll();

    const result = await t.store.timers.cancelByLabels({
      labels: ['batch:b1'],
      limit: 10,
      countCap: 100,
      tenant: 'default',
    });

    expect(result.canceled.sort()).toEqual(ids.slice(0, 2).sort());
    expect(await flowDueAt(ids[0])).toBeNull();
    expect(await flowDueAt(ids[2])).not.toBeNull();
    expect(await t.store.flows.find('default', ORIGIN)).toMatchObject({ waiting: 1 });
    expect((await claimFlow()).timers.map((c) => c.id)).toEqual([ids[2]]);
  });

  async function flowDueAt(id: string): Promise<unknown> {
    const [row] = await select<{ flow_due_at: unknown }>(t.db, 5000, 'SELECT flow_due_at FROM timers WHERE id = ?', [
      id,
    ]);
    return row.flow_due_at;
  }

  if (dialect === 'mysql') {
    it('the flow claim reads one range of timers_flow in order (no filesort)', async () => {
      await t.store.flows.put('default', ORIGIN, { parallelism: 5, rate: null, burst: null });
      await createDue(20);
      await createDue(20, OTHER);
      await parkAll();
      await t.db.raw('ANALYZE TABLE timers');

      const [plan] = await t.db.raw(
        `EXPLAIN SELECT id FROM timers WHERE flow_id = ? AND flow_due_at <= NOW(3) AND status = 'pending'
         ORDER BY flow_due_at LIMIT 5 FOR UPDATE SKIP LOCKED`,
        [await flowId()],
      );
      const [step] = plan as Array<{ key: string; type: string; Extra: string | null }>;
      expect(step.key).toBe('timers_flow');
      expect(['ref', 'range']).toContain(step.type); // flow_id = ?, then flow_due_at in index order
      expect(step.Extra ?? '').not.toMatch(/filesort/i);
    });
  }
});
