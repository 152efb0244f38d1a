/**
 * A controller in this process against its own test database and a recording
 * receiver: what the in-process controller tests share. Each test answers its
 * own timers: the receiver looks the rule up by timer id (200 when none is set).
 */
import { v7 as uuidv7 } from 'uuid';
import { createSilentLogger, loadConfig, NewTimer, systemClock, TimerRecord } from '@timer/shared';
import { Controller, ControllerDeps } from '@timer/controller';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { Receiver, Reply, startReceiver } from '../../test/helpers/receiver';
import { newTimer } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';

export type Rule = (nth: number) => Reply;

/** Settings that make a controller quick to poll, retry and give up: for tests, not production. */
export const QUICK = {
  POLL_INTERVAL_MS: '50',
  RETRY_BASE_MS: '50',
  RETRY_MAX_MS: '200',
  WEBHOOK_TIMEOUT_MS: '500',
  LEASE_MS: '3000',
} as const;

export interface ControllerRig {
  t: TestDatabase;
  receiver: Receiver;
  controller: Controller;
  /** Stores a timer due now whose deliveries `rule` answers; returns its id. */
  schedule(rule: Rule, timer?: Partial<NewTimer>): Promise<string>;
  /** Waits until the timer is fired or failed, and returns it. */
  settled(id: string): Promise<TimerRecord>;
  deliveriesOf(id: string): Receiver['deliveries'];
  close(): Promise<void>;
}

export async function startControllerRig(
  label: string,
  env: Record<string, string>,
  deps: Pick<Partial<ControllerDeps>, 'sender' | 'logger' | 'tally'> = {},
): Promise<ControllerRig> {
  const t = await createTestDatabase(label, env);
  const rules = new Map<string, Rule>();
  const receiver = await startReceiver((delivery, nth) => rules.get(delivery.id)?.(nth) ?? 200);
  const controller = new Controller({
    config: loadConfig({ DATABASE_URL: t.url, ...env }),
    store: t.store,
    logger: createSilentLogger(),
    clock: systemClock,
    ...deps,
  });
  controller.start();
  return {
    t,
    receiver,
    controller,
    async schedule(rule, timer = {}) {
      const id = timer.id ?? uuidv7();
      rules.set(id, rule);
      await t.store.timers.create({ ...newTimer(receiver.url, 0, id), ...timer });
      return id;
    },
    settled: (id) =>
      waitFor(`timer ${id} to settle`, async () => {
        const timer = await t.store.timers.find(id);
        return timer && (timer.status === 'fired' || timer.status === 'failed') ? timer : null;
      }),
    deliveriesOf: (id) => receiver.deliveries.filter((d) => d.id === id),
    async close() {
      await controller.stop();
      await receiver.close();
      await t.drop();
    },
  };
}
