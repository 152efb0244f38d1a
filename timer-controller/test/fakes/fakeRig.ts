/**
 * A controller that runs entirely on a FakeClock: an in-memory store of claims
 * and a fake sender, default settings unless a test says otherwise, nothing on
 * the network and nothing on real time. A test moves time with `clock.advance`
 * and asserts exactly when each request left.
 */
import { v7 as uuidv7 } from 'uuid';
import { createSilentLogger, DbClock, loadConfig, Metrics } from '@timer/shared';
import type { Config, Logger } from '@timer/shared';
import { Controller, DeliveryGate } from '@timer/controller';
import { FakeClock } from '../../../test/helpers/fakeClock';
import { FakeSender } from './fakeSender';
import { MemoryClaims, NewRow, Row } from './memoryClaims';

export interface FakeRigOptions {
  /** How far the database's clock is ahead of the host's (negative: behind). */
  dbAheadMs?: number;
  /** The controller's reading of the database clock; by default it knows the offset exactly. */
  dbClock?: (host: FakeClock) => DbClock;
  gate?: DeliveryGate;
  metrics?: Metrics;
  logger?: Logger;
}

export interface FakeRig {
  clock: FakeClock;
  config: Config;
  db: MemoryClaims;
  sender: FakeSender;
  controller: Controller;
  /** The database's now. */
  dbNow(): number;
  /** Stores a timer due `dueInMs` from the database's now; returns its id. */
  add(dueInMs: number, row?: Partial<NewRow>): string;
  row(id: string): Row;
  /** When each request of a timer left, in ms after `from` on the database clock. */
  sendTimes(id: string, from: number): number[];
  /** Stops the controller, moving time on while it waits (for a grace period, say). */
  stop(): Promise<void>;
}

export function fakeRig(env: Record<string, string> = {}, options: FakeRigOptions = {}): FakeRig {
  const clock = new FakeClock();
  const dbAheadMs = options.dbAheadMs ?? 0;
  const dbNow = () => clock.now() + dbAheadMs;
  const config = loadConfig({ CONTROLLER_ID: 'fake-controller', ...env });
  const db = new MemoryClaims(dbNow);
  const sender = new FakeSender(clock, config.webhookTimeoutMs);
  const controller = new Controller({
    config,
    store: { claims: db },
    logger: options.logger ?? createSilentLogger(),
    clock,
    dbClock: options.dbClock?.(clock) ?? new DbClock(clock, dbAheadMs),
    sender,
    gate: options.gate,
    metrics: options.metrics ?? new Metrics({ processMetrics: false }),
    // Jitter at its midpoint: every back-off is exactly three quarters of its ceiling.
    random: () => 0.5,
  });
  return {
    clock,
    config,
    db,
    sender,
    controller,
    dbNow,
    add(dueInMs, row = {}) {
      const id = row.id ?? uuidv7();
      db.add({ id, fireAt: dbNow() + dueInMs, ...row });
      return id;
    },
    row: (id) => db.row(id),
    sendTimes: (id, from) => sender.of(id).map((s) => s.at + dbAheadMs - from),
    async stop() {
      let stopped = false;
      const stopping = controller.stop().then(() => {
        stopped = true;
      });
      for (let i = 0; i < 10_000 && !stopped; i++) await clock.advance(100);
      await stopping;
    },
  };
}
