/**
 * /metrics on both services is valid Prometheus text, and its counters move when
 * timers are created and fired.
 */
import request from 'supertest';
import { createSilentLogger, loadConfig, Metrics, systemClock } from '@timer/shared';
import { createApp } from '@timer/api';
import { Controller } from '@timer/controller';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';

let t: TestDatabase;
let receiver: Receiver;
let controller: Controller;
const apiMetrics = new Metrics();
const controllerMetrics = new Metrics();

beforeAll(async () => {
  t = await createTestDatabase('metrics');
  receiver = await startReceiver((_d, nth) => (nth === 1 ? 503 : 200));
  controller = new Controller({
    config: loadConfig({ DATABASE_URL: t.url, POLL_INTERVAL_MS: '50', RETRY_BASE_MS: '20', RETRY_MAX_MS: '50' }),
    store: t.store,
    logger: createSilentLogger(),
    clock: systemClock,
    metrics: controllerMetrics,
  });
  controller.start();
});

afterAll(async () => {
  await controller.stop();
  await receiver.close();
  await t.drop();
});

const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|\+Inf|-Inf)$/;

/** Checks the exposition format line by line and returns the samples by name{labels}. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    expect(line).toMatch(SAMPLE);
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

function sampleValue(samples: Map<string, number>, name: string): number {
  return samples.get(name) ?? 0;
}

it('counts timers created, webhooks by outcome, and serves valid Prometheus text on both services', async () => {
  const app = createApp({ config: t.config, store: t.store, logger: createSilentLogger(), metrics: apiMetrics });

  const before = parsePrometheus((await request(app).get('/metrics')).text);
  expect(sampleValue(before, 'timers_created_total')).toBe(0);

  const created = await request(app).post('/timers').send({ seconds: 0, url: receiver.url });
  expect(created.status).toBe(201);

  const res = await request(app).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const api = parsePrometheus(res.text);
  expect(sampleValue(api, 'timers_created_total')).toBe(1);
  expect(sampleValue(api, 'timers_http_requests_total{method="POST",route="/timers",status="201"}')).toBe(1);
  expect(api.has('process_cpu_user_seconds_total')).toBe(true);

  await waitFor('the timer to fire', async () => (await t.store.timers.find(created.body.id))?.status === 'fired');
  const ctl = parsePrometheus(await controllerMetrics.registry.metrics());
  expect(sampleValue(ctl, 'timers_webhooks_total{outcome="retry"}')).toBe(1);
  expect(sampleValue(ctl, 'timers_webhooks_total{outcome="delivered"}')).toBe(1);
  expect(sampleValue(ctl, 'timers_webhook_duration_seconds_count')).toBe(2);
  expect(sampleValue(ctl, 'timers_fire_lateness_seconds_count')).toBe(1);
  expect(sampleValue(ctl, 'timers_claim_duration_seconds_count')).toBeGreaterThan(0);
  expect(sampleValue(ctl, 'timers_webhooks_in_flight')).toBe(0);
});
