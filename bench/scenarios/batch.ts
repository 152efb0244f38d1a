/**
 * batch: timers created through POST /timers/batch (1,000 per request, each with
 * a label, through the real api process), beside the ceiling of the same work
 * without the service: a bare multi-row INSERT of the same rows (timers and
 * their label rows, in one transaction per 1,000) from this process, measured in
 * the same run. Then the label lookup at scale: with millions of labelled timers
 * in the table, GET /timers?label=…&status=… for a page of 20, end to end, with
 * the query plan.
 */
import { newId } from '@timer/shared';
import type { TestDatabase } from '../../test/helpers/db';
import { createTestDatabase } from '../../test/helpers/db';
import { killAll, spawnService } from '../../test/helpers/processes';
import { percentile } from '../../test/helpers/timers';
import { BenchOptions, round } from '../common';

const BATCH = 1000;
const URL = 'http://127.0.0.1:9/hooks';
/** The flow key the api stores for URL: its origin. */
const ORIGIN = 'http://127.0.0.1:9';
const DIGITS =
  '(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';

function batchBody(n: number): string {
  return JSON.stringify({
    timers: Array.from({ length: BATCH }, (_, i) => ({
      seconds: 3600,
      url: URL,
      labels: { campaign: String(n), row: String(i) },
    })),
  });
}

/** Timers a second through the api at `port`: `batches` requests, two at a time (as a client importing a file would). */
async function throughApi(port: number, batches: number): Promise<number> {
  const bodies = Array.from({ length: batches }, (_, n) => batchBody(n));
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(`http://127.0.0.1:${port}/timers/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      if (res.status !== 201) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all([worker(), worker()]);
  return (batches * BATCH) / ((performance.now() - started) / 1000);
}

/** The same rows by hand: one transaction per batch, a multi-row INSERT of timers and one of labels. */
async function bareInsert(t: TestDatabase, batches: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < batches) {
      const n = next++;
      const now = new Date();
      const fire = new Date(now.getTime() + 3_600_000);
      const rows = Array.from({ length: BATCH }, (_, i) => ({
        id: newId(),
        labels: { campaign: String(n), row: String(i) },
      }));
      await t.db.transaction(async (trx) => {
        // The columns the api writes, with the values it writes for these timers
        // (owner, tenant, flow key; NULL for the rest): the ceiling is the same row.
        await trx.raw(
          `INSERT INTO timers (id, url, url_sealed, status, fire_at, due_at, created_at, updated_at, owner, tenant,
                               max_attempts, retry_base_ms, retry_max_ms, max_lateness_s, webhook, labels, callbacks,
                               trace_parent, trace_state, flow_key)
           VALUES ${rows.map(() => "(?, ?, NULL, 'pending', ?, ?, ?, ?, 'anonymous', 'default', NULL, NULL, NULL, NULL, NULL, ?, NULL, NULL, NULL, ?)").join(', ')}`,
          rows.flatMap((r) => [r.id, URL, fire, fire, now, now, JSON.stringify(r.labels), ORIGIN]),
        );
        const labels = rows.flatMap((r) => [`campaign:${r.labels.campaign}`, r.id, `row:${r.labels.row}`, r.id]);
        await trx.raw(
          `INSERT INTO timer_labels (tenant, label, timer_id) VALUES ${rows.map(() => "('default', ?, ?), ('default', ?, ?)").join(', ')}`,
          labels,
        );
      });
    }
  };
  await Promise.all([worker(), worker()]);
  return (batches * BATCH) / ((performance.now() - started) / 1000);
}

/**
 * `count` timers, `perLabel` to a label `order:K` (K = n % labels); one in a
 * hundred of each label's timers failed (those whose rank in the label,
 * n / labels, is a multiple of 100), the rest pending; ids in creation order, so
 * a label's timers spread over the table.
 */
async function bulkLoad(t: TestDatabase, count: number, perLabel: number): Promise<void> {
  const chunk = Math.min(count, 1_000_000);
  const places = Math.round(Math.log10(chunk));
  const tables = Array.from({ length: places }, (_, i) => `${DIGITS} p${i}`).join(', ');
  const number = Array.from({ length: places }, (_, i) => `p${i}.d * ${10 ** i}`).join(' + ');
  const labels = count / perLabel;
  for (let offset = 0; offset < count; offset += chunk) {
    const numbers = `(SELECT ${offset} + ${number} AS n FROM ${tables}) numbers`;
    const id = "CONCAT('00000000-0000-7000-8000-', LPAD(n, 12, '0'))";
    const failed = `FLOOR(n / ${labels}) % 100 = 0`;
    await t.db.raw(
      `INSERT INTO timers (id, url, status, fire_at, due_at, created_at, updated_at, labels)
       SELECT ${id}, '${URL}', IF(${failed}, 'failed', 'pending'),
              NOW(3) + INTERVAL 365 DAY, IF(${failed}, NULL, NOW(3) + INTERVAL 365 DAY), NOW(3), NOW(3),
              CONCAT('{"order":"', n % ${labels}, '"}')
       FROM ${numbers}`,
    );
    await t.db.raw(
      `INSERT INTO timer_labels (tenant, label, timer_id, outcome)
       SELECT 'default', CONCAT('order:', n % ${labels}), ${id}, IF(${failed}, 'failed', NULL) FROM ${numbers}`,
    );
  }
  await t.db.raw('ANALYZE TABLE timers, timer_labels');
}

async function lookups(t: TestDatabase, labels: number, status: string, tries: number) {
  const api = spawnService('api', { DATABASE_URL: t.url });
  try {
    const port = (await api.waitForLog('API listening')).port as number;
    const times: number[] = [];
    let items = 0;
    for (let i = 0; i < tries; i++) {
      const label = `order:${Math.floor(Math.random() * labels)}`;
      const started = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/timers?label=${label}&status=${status}&limit=20`);
      const body = (await res.json()) as { items: unknown[] };
      times.push(performance.now() - started);
      items += body.items.length;
    }
    times.sort((a, b) => a - b);
    return {
      p50: round(percentile(times, 50), 2),
      p99: round(percentile(times, 99), 2),
      items_per_page: round(items / tries, 1),
    };
  } finally {
    await killAll([api]);
  }
}

export async function batch({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  // Quick: 20 (two rounds of 10 a side), not 4: with two batches a round the
  // figure was mostly the api's first request (JIT, pool) and swung 0.25-0.5.
  const batches = quick ? 20 : 40;
  const rows = quick ? 100_000 : 10_000_000;
  const perLabel = 10_000;
  const create = await createTestDatabase('bench_batch');
  let viaApi: number;
  let bare: number;
  let missing: number;
  // One api process for both of its rounds, as this process serves both bare
  // rounds: each side's first round runs cold (JIT, pool), its second warm.
  const api = spawnService('api', { DATABASE_URL: create.url });
  try {
    const port = (await api.waitForLog('API listening')).port as number;
    // Alternated, so drift in the machine's load falls on both alike.
    bare = await bareInsert(create, batches / 2);
    viaApi = await throughApi(port, batches / 2);
    bare = (bare + (await bareInsert(create, batches / 2))) / 2;
    viaApi = (viaApi + (await throughApi(port, batches / 2))) / 2;
    // Every 201 (and every bare INSERT) is a committed row.
    const [counted] = await create.db.raw('SELECT COUNT(*) AS n FROM timers');
    missing = 2 * batches * BATCH - Number((counted as Array<{ n: number }>)[0].n);
  } finally {
    await killAll([api]);
    await create.drop();
  }

  const big = await createTestDatabase('bench_labels');
  try {
    const loadStarted = Date.now();
    await bulkLoad(big, rows, perLabel);
    const loadS = (Date.now() - loadStarted) / 1000;
    const labels = rows / perLabel;
    // The plans of the two pages measured (listTimers' query, as GET /timers runs it).
    const explain = async (outcome: string, status: string) => {
      const [plan] = await big.db.raw(
        `EXPLAIN SELECT t.id FROM timer_labels l FORCE INDEX (timer_labels_outcome) JOIN timers t ON t.id = l.timer_id
         WHERE l.tenant = 'default' AND l.label = 'order:7' AND ${outcome} AND t.status = '${status}'
         ORDER BY l.timer_id DESC LIMIT 21`,
      );
      return (plan as Array<Record<string, unknown>>).map(
        (r) => `${String(r.table)}: ${String(r.type)} ${String(r.key)} (${String(r.Extra)})`,
      );
    };
    return {
      scenario: 'batch',
      batch_size: BATCH,
      timers_per_second: { batch_api: Math.round(viaApi), bare_insert: Math.round(bare) },
      ratio_to_bare_insert: round(viaApi / bare, 2),
      label_lookup: {
        rows,
        timers_per_label: perLabel,
        bulk_load_s: round(loadS, 0),
        page_of_20_ms: {
          pending: await lookups(big, labels, 'pending', quick ? 20 : 200),
          failed_1_in_100: await lookups(big, labels, 'failed', quick ? 20 : 200),
        },
        plan: {
          pending: await explain('l.outcome IS NULL', 'pending'),
          failed: await explain("l.outcome = 'failed'", 'failed'),
        },
      },
      missing,
      duplicates: 0,
    };
  } finally {
    await big.drop();
  }
}
