/**
 * held_memory: what a controller weighs while it holds MAX_HELD (5,000) claimed
 * timers ahead of time, plain and with 64 KiB payloads. A claim carries only
 * whether a timer has its own request; bodies are read when requests start, so
 * the two should weigh about the same. Each run: 5,000 timers due in two
 * minutes, one controller that claims ten minutes ahead (LOOKAHEAD_MS), its
 * resident set and heap read from its /metrics once it holds them all.
 */
import type { WebhookSpec } from '@timer/shared';
import { createTestDatabase } from '../../test/helpers/db';
import { killAll, spawnService } from '../../test/helpers/processes';
import { insertTimersAt } from '../../test/helpers/timers';
import { waitFor } from '../../test/helpers/wait';
import { BenchOptions, round } from '../common';
import { payloadOf } from './burst';

const HELD = 5000;
const MIB = 1024 * 1024;

async function weighHeld(webhook?: WebhookSpec) {
  const t = await createTestDatabase('bench_held');
  const controller = spawnService('controller', { DATABASE_URL: t.url, LOOKAHEAD_MS: '600000' });
  try {
    await insertTimersAt(t.db, HELD, 'http://127.0.0.1:9/hooks', new Date(Date.now() + 120_000), webhook);
    const port = (await controller.waitForLog('Controller health server listening')).port as number;
    await waitFor(
      'every timer held',
      async () => {
        const [rows] = await t.db.raw("SELECT COUNT(*) AS n FROM timers WHERE status = 'firing'");
        return Number((rows as Array<{ n: number }>)[0].n) === HELD;
      },
      { timeoutMs: 60_000 },
    );
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const metric = (name: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${name} `))
          ?.split(' ')[1],
      );
    return {
      rss_mib: round(metric('process_resident_memory_bytes') / MIB, 1),
      heap_used_mib: round(metric('nodejs_heap_size_used_bytes') / MIB, 1),
    };
  } finally {
    await killAll([controller]);
    await t.drop();
  }
}

export async function heldMemory(_options: BenchOptions): Promise<Record<string, unknown>> {
  const plain = await weighHeld();
  const kib64 = await weighHeld(payloadOf(64 * 1024));
  return {
    scenario: 'held_memory',
    held: HELD,
    plain,
    payload_64KiB: kib64,
    payload_bytes_held_if_claimed_with_bodies_mib: round((HELD * 64 * 1024) / MIB, 0),
  };
}
